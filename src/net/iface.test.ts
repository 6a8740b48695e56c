import { describe, expect, it } from 'vitest';
import { interfaceNameProblem } from './iface.ts';

describe('interface names', () => {
  it.each(['eth0', 'weft.1', 'veth-abc', 'a'.repeat(15)])('accepts %s', (name) => expect(interfaceNameProblem(name)).toBeUndefined());
  it.each(['', 'a'.repeat(16), 'eth/0', 'eth:0', 'eth 0', '.', '..', 'ééééééééé'])('refuses %j', (name) => expect(interfaceNameProblem(name)).toBeDefined());
});
