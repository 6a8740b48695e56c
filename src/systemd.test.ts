import { describe, expect, it } from 'vitest';
import { inheritedNotifyFd, SystemdNotifier } from './systemd.ts';

const mine = String(process.pid);

describe('inheritedNotifyFd', () => {
  it.each([
    [{ LISTEN_FDS: '1', LISTEN_FDNAMES: 'notify', LISTEN_PID: mine }, 3],
    [{ LISTEN_FDS: '2', LISTEN_FDNAMES: 'other:notify', LISTEN_PID: mine }, 4],
    [{ LISTEN_FDS: '1', LISTEN_FDNAMES: 'notify', LISTEN_PID: '1' }, undefined], // meant for another process
    [{ LISTEN_FDS: '1', LISTEN_FDNAMES: 'other', LISTEN_PID: mine }, undefined],
    [{ LISTEN_FDS: '1', LISTEN_FDNAMES: 'other:notify', LISTEN_PID: mine }, undefined], // names beyond the count
    [{}, undefined],
  ])('%j -> %s', (env, fd) => {
    expect(inheritedNotifyFd(env)).toBe(fd);
  });
});

describe('SystemdNotifier.channel', () => {
  it('writes to the inherited socket when there is one, else the helper, else nothing', () => {
    expect(new SystemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify', LISTEN_FDS: '1', LISTEN_FDNAMES: 'notify', LISTEN_PID: mine }).channel).toBe('fd');
    expect(new SystemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify' }).channel).toBe('helper');
    expect(new SystemdNotifier({}).channel).toBe('off');
  });
});
