import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, textLine } from './log.ts';

function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('createLogger', () => {
  it('writes JSON lines with the level name first, no prefix outside journald', async () => {
    const { stream, lines } = capture();
    createLogger('info', stream, { journald: false }).warn({ area: 'dns' }, 'hello');
    await flushed();
    expect(lines()[0]).toMatch(/^\{"level":"warn",/);
  });

  it('prefixes every line with its syslog priority under journald', async () => {
    const { stream, lines } = capture();
    const log = createLogger('trace', stream, { journald: true });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    await flushed();
    expect(lines().map((l) => l.slice(0, 3))).toEqual(['<7>', '<6>', '<4>', '<3>', '<2>']);
    expect(JSON.parse(lines()[2]!.slice(3))).toMatchObject({ level: 'warn', msg: 'w' });
  });

  it('writes text lines when asked, prefixed under journald', async () => {
    const { stream, lines } = capture();
    createLogger('info', stream, { format: 'text', journald: true }).child({ area: 'subnet' }).warn({ event: 'lease_lost', subnet: '10.5.1.0/24', note: 'two words', areas: ['a'] }, 'lease lost');
    await flushed();
    expect(lines()[0]).toMatch(/^<4>\d{4}-\d\d-\d\dT[\d:.]+Z WARN  \[subnet\] lease lost event=lease_lost subnet=10.5.1.0\/24 note="two words" areas=\["a"\]$/);
  });
});

describe('textLine', () => {
  it('passes a line that is not JSON through', () => {
    expect(textLine('not json\n')).toBe('not json\n');
  });
});

describe('stdoutIsJournal', () => {
  it('believes JOURNAL_STREAM only when it names stdout', async () => {
    const { fstatSync } = await import('node:fs');
    const { stdoutIsJournal } = await import('./log.ts');
    const stat = fstatSync(1);
    expect(stdoutIsJournal({ JOURNAL_STREAM: `${stat.dev}:${stat.ino}` })).toBe(true);
    expect(stdoutIsJournal({ JOURNAL_STREAM: '8:12345' })).toBe(false);
    expect(stdoutIsJournal({})).toBe(false);
  });
});

describe('logFormatOf', () => {
  it('tells the format a logger and its children were made with', async () => {
    const { logFormatOf } = await import('./log.ts');
    const { stream } = capture();
    expect(logFormatOf(createLogger('info', stream, { format: 'text', journald: false }).child({ area: 'proxy' }))).toBe('text');
    expect(logFormatOf(createLogger('info', stream, { journald: false }))).toBe('json');
  });
});
