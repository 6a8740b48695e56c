import { describe, expect, it } from 'vitest';
import { CniError } from './errors.ts';
import { parseCniArgs, parseEnv } from './env.ts';

const add = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c0ffee_1.a-b', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };

function failure(env: Record<string, string>): { code: number; msg: string } | undefined {
  try {
    parseEnv(env);
    return undefined;
  } catch (error) {
    return { code: (error as CniError).code, msg: (error as CniError).message };
  }
}

describe('CNI environment', () => {
  it('reads a complete ADD environment', () => {
    const env = parseEnv({ ...add, CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default' });
    expect(env).toMatchObject({ command: 'ADD', containerId: 'c0ffee_1.a-b', netns: '/run/netns/x', ifName: 'eth0', path: ['/opt/cni/bin', '/usr/lib/cni'] });
    expect(env.args.get('K8S_POD_NAME')).toBe('web-0');
  });

  it('DEL needs no CNI_NETNS; GC and STATUS need only CNI_PATH', () => {
    expect(failure({ ...add, CNI_COMMAND: 'DEL', CNI_NETNS: '' })).toBeUndefined();
    expect(failure({ CNI_COMMAND: 'GC', CNI_PATH: '/usr/lib/cni' })).toBeUndefined();
    expect(failure({ CNI_COMMAND: 'STATUS', CNI_PATH: '/usr/lib/cni' })).toBeUndefined();
  });

  it.each([
    ['no CNI_COMMAND', { ...add, CNI_COMMAND: '' }, 'CNI_COMMAND'],
    ['no CNI_NETNS on ADD', { ...add, CNI_NETNS: '' }, 'CNI_NETNS'],
    ['no CNI_PATH and no CNI_IFNAME', { ...add, CNI_PATH: '', CNI_IFNAME: '' }, 'CNI_IFNAME,CNI_PATH'],
    ['container id with a slash', { ...add, CNI_CONTAINERID: 'a/b' }, 'CNI_CONTAINERID'],
    ['container id starting with a dot', { ...add, CNI_CONTAINERID: '.a' }, 'CNI_CONTAINERID'],
    ['container id of 201 chars', { ...add, CNI_CONTAINERID: 'a'.repeat(201) }, 'CNI_CONTAINERID'],
    ['ifname of 16 bytes', { ...add, CNI_IFNAME: 'e'.repeat(16) }, 'CNI_IFNAME'],
    ['ifname ..', { ...add, CNI_IFNAME: '..' }, 'CNI_IFNAME'],
    ['ifname with a colon', { ...add, CNI_IFNAME: 'eth0:1' }, 'CNI_IFNAME'],
    ['ifname with a space', { ...add, CNI_IFNAME: 'eth 0' }, 'CNI_IFNAME'],
    ['relative netns', { ...add, CNI_NETNS: 'run/netns/x' }, 'CNI_NETNS'],
    ['CNI_ARGS without =', { ...add, CNI_ARGS: 'K8S_POD_NAME' }, 'CNI_ARGS'],
  ])('refuses %s with code 4 naming the variable', (_what, env, name) => {
    const f = failure(env);
    expect(f?.code).toBe(4);
    expect(f?.msg).toContain(name);
  });

  it('parses CNI_ARGS like libcni: empty is nothing, values may hold =', () => {
    expect([...parseCniArgs('')]).toEqual([]);
    expect([...parseCniArgs('A=1;B=x=y;C=')]).toEqual([['A', '1'], ['B', 'x=y'], ['C', '']]);
    expect(() => parseCniArgs('A=1;;B=2')).toThrow(CniError);
  });
});
