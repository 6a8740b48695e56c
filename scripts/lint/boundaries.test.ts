import { resolve } from 'node:path';
import { ESLint, Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { boundariesRule } from './boundaries.ts';

const repo = resolve(import.meta.dirname, '../..');
const linter = new Linter({ configType: 'flat', cwd: repo });
const config: Linter.Config[] = [{ files: ['**/*.ts'], plugins: { weft: { rules: { boundaries: boundariesRule(repo) } } }, rules: { 'weft/boundaries': 'error' } }];

function problems(file: string, source: string): string[] {
  return linter.verify(`${source}\n`, config, { filename: resolve(repo, file) }).map((m) => m.message);
}

describe('the layering lint rule', () => {
  it.each([
    ['src/dns/server.ts', "import { x } from '../subnet/index.ts';", 'areas never import each other'],
    ['src/templates/confd/engine.ts', "import { x } from '../../dns/zone.ts';", 'areas never import each other'],
    ['src/overlay/area.ts', "export { x } from '../dns/index.ts';", 'areas never import each other'],
    ['src/cli/lease.ts', "import { x } from '../subnet/registry.ts';", 'through src/subnet/index.ts'],
    ['src/daemon.ts', "import { x } from './dns/server.ts';", 'through src/dns/index.ts'],
    ['src/subnet/peers.ts', "import { x } from '../etcd/watch.ts';", 'through src/etcd/index.ts'],
    ['src/dns/index.ts', "import { x } from '../daemon.ts';", 'may not import daemon.ts'],
    ['src/config/load.ts', "import { x } from '../dns/index.ts';", 'areas never import each other'],
    ['src/daemon.ts', "import { x } from './cli/main.ts';", 'nothing imports the CLI'],
    ['cni/main.ts', "import { x } from '../src/log.ts';", 'weft-cni imports only'],
    ['src/dns/index.ts', "const m = await import('../overlay/index.ts');", 'areas never import each other'],
    ['src/dns/x.ts', "import { x } from '../nowhere/index.ts';", 'not a known layer'],
    ['src/daemon.test.ts', "import { x } from './dns/zone.ts';", 'through src/dns/index.ts'],
    ['src/cli/status.ts', "import { x } from '../admin/server.ts';", 'through src/admin/index.ts'],
  ])('%s: %s is refused', (file, source, message) => {
    const found = problems(file, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it.each([
    ['src/dns/server.ts', "import { x } from './zone.ts';"],
    ['src/templates/confd/engine.ts', "import { x } from '../../etcd/index.ts';"],
    ['src/templates/confd/engine.ts', "import { x } from '../../gotemplate/index.ts';"],
    ['src/overlay/area.ts', "import { x } from '../errors.ts'; import { y } from '../net/index.ts'; import { z } from '../area.ts';"],
    ['src/daemon.ts', "import { x } from './subnet/index.ts'; import { y } from './compose/subnet-overlay.ts';"],
    ['src/compose/subnet-overlay.ts', "import { x } from '../overlay/index.ts';"],
    ['src/cli/main.ts', "import { x } from '../daemon.ts';"],
    ['src/dns/resolver.test.ts', "import { x } from '../../test/dns/cases.ts';"],
    ['cni/main.ts', "import { x } from '../src/admin/client.ts';"],
    ['src/cli/status.ts', "import { x } from '../admin/client.ts';"],
    ['src/daemon.ts', "const m = await import('./dns/index.ts');"],
    ['test/e2e/a.test.ts', "import { x } from '../../src/dns/server.ts';"],
    ['src/dns/index.ts', "import { readFileSync } from 'node:fs';"],
    ['src/readmes.test.ts', "import { x } from './templates/confd/resource.ts';"],
  ])('%s: %s is allowed', (file, source) => {
    expect(problems(file, source)).toEqual([]);
  });

  it('is switched on for every source file by the project lint config', async () => {
    const eslint = new ESLint({ cwd: repo });
    for (const file of ['src/dns/server.ts', 'src/templates/confd/engine.ts', 'src/daemon.ts', 'cni/main.ts']) {
      const effective = (await eslint.calculateConfigForFile(file)) as Linter.Config;
      expect(effective.rules?.['weft/boundaries'], file).toEqual([2]);
    }
    // Loading typescript-eslint's config takes seconds on a busy 2-core machine.
  }, 60_000);
});
