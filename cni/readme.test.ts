// cni/README.md stays true: the house's sections in order, every option with its default, the
// conflists parse through the real config parser, every CNI code the plugin uses is explained.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configDefaults, parseConfig } from './spec/config.ts';
import { CniCode } from './spec/errors.ts';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const section = (name: string): string => readme.split(/^## /m).find((s) => s.startsWith(`${name}\n`)) ?? '';

describe('cni/README.md', () => {
  it('has exactly the sections Owns … Example, in order', () => {
    expect([...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1])).toEqual(['Owns', 'Consumes', 'Emits', 'Config', 'Metrics', 'Failure behaviour', 'Where we differ', 'Example']);
  });

  it('documents every option with its default', () => {
    const config = section('Config');
    for (const [key, value] of Object.entries(configDefaults)) expect(config).toContain(`| \`${key}\` | \`${String(value)}\` |`);
    for (const key of ['delegate', 'ipam', 'capabilities']) expect(config).toContain(`| \`${key}\` |`);
  });

  it('its conflists parse through the config parser', () => {
    const blocks = [...section('Example').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const block of blocks) {
      const conflist = JSON.parse(block) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
      const entry = conflist.plugins.find((p) => p.type === 'weft-cni') ?? {};
      expect(() => parseConfig({ ...entry, cniVersion: conflist.cniVersion, name: conflist.name }, 'ADD')).not.toThrow();
    }
  });

  it('explains every CNI error code weft-cni returns', () => {
    const table = section('Failure behaviour');
    const used = [CniCode.incompatibleVersion, CniCode.unknownContainer, CniCode.invalidEnvironment, CniCode.ioFailure, CniCode.decodingFailure, CniCode.invalidConfig, CniCode.tryAgainLater, CniCode.notAvailable, CniCode.attachmentExists, CniCode.internal];
    for (const code of used) expect(table).toContain(`| ${code} |`);
  });
});
