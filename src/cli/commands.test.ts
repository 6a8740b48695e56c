import { describe, expect, it } from 'vitest';
import { commands } from './commands.ts';

describe('the command table', () => {
  it('names each command once', () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  // The table's text is what `weft help` shows without loading anything; a module that wrote its
  // own usage (instead of spreading spec(name)) would drift from it.
  it.each(commands.map((c) => [c.name, c] as const))('%s loads a command that matches its row', async (_name, entry) => {
    const command = await entry.load();
    expect({ name: command.name, usage: command.usage, summary: command.summary }).toEqual({ name: entry.name, usage: entry.usage, summary: entry.summary });
    expect(typeof command.run).toBe('function');
  });
});
