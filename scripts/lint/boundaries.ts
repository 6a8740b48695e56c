// The house's layering as a lint rule (eslint.config.js): cli → daemon/compose → areas →
// foundation. Areas never import each other; only daemon.ts, compose/ and cli/ import areas, and
// only through their index.ts; directory modules of the foundation are imported through their
// index.ts too; weft-cni (cni/) imports only the admin API's client and wire types.
import { dirname, relative, resolve, sep } from 'node:path';
import type { Rule } from 'eslint';

export const areas: readonly string[] = ['admin', 'dns', 'overlay', 'subnet', 'templates', 'proxy', 'services'];
/** Modules every layer may use (files, or folders entered through index.ts). */
export const foundation: readonly string[] = ['area.ts', 'config', 'errors.ts', 'etcd', 'gotemplate', 'log.ts', 'machine.ts', 'net', 'systemd.ts', 'version.ts'];
const composers: readonly string[] = ['daemon.ts', 'compose', 'cli'];
/** What cni/ may import from src/: the admin API's client (no pino, prom-client or etcd on its path). */
const cniAllowed: readonly string[] = ['admin/client.ts'];
/** Second entry points of areas, light by contract, that the CLI may import besides index.ts (fast commands). */
const lightEntries: readonly string[] = ['admin/client.ts'];

interface Where {
  readonly root: 'src' | 'cni' | 'other';
  /** Path inside src/ with '/' separators, e.g. "dns/server.ts". */
  readonly inSrc: string;
  /** First segment inside src/: an area, a foundation module or a composer. */
  readonly module: string;
}

function locate(file: string, repo: string): Where {
  const rel = relative(repo, file).split(sep).join('/');
  if (rel.startsWith('cni/')) return { root: 'cni', inSrc: '', module: '' };
  if (!rel.startsWith('src/')) return { root: 'other', inSrc: '', module: '' };
  const inSrc = rel.slice(4);
  // A test beside a top-level file belongs to that file's module (daemon.test.ts -> daemon.ts).
  return { root: 'src', inSrc, module: (inSrc.split('/')[0] ?? '').replace(/\.test\.ts$/, '.ts') };
}

/** Why `from` may not import `to`, or undefined when it may. */
export function boundaryProblem(from: Where, to: Where): string | undefined {
  if (to.root !== 'src' || from.root === 'other') return undefined;
  if (from.root === 'cni') return cniAllowed.includes(to.inSrc) ? undefined : `weft-cni imports only ${cniAllowed.join(', ')} from src/ (it must start fast: no logger, metrics or etcd client)`;
  if (from.module === to.module) return undefined;
  // Tests at the top of src/ that span the tree (the README test) are not beside any one module.
  const known = (module: string): boolean => areas.includes(module) || foundation.includes(module) || composers.includes(module);
  if (!from.inSrc.includes('/') && from.inSrc.endsWith('.test.ts') && !known(from.module)) return undefined;
  const isDir = !to.module.endsWith('.ts');
  const viaIndex = !isDir || to.inSrc === `${to.module}/index.ts`;
  if (areas.includes(to.module)) {
    if (!composers.includes(from.module)) return `${from.module} may not import the ${to.module} area: areas never import each other (meet in daemon.ts or compose/ through plain data)`;
    if (from.module === 'cli' && lightEntries.includes(to.inSrc)) return undefined;
    return viaIndex ? undefined : `import the ${to.module} area through src/${to.module}/index.ts, not ${to.inSrc}`;
  }
  if (composers.includes(to.module)) {
    if (composers.includes(from.module) && to.module !== 'cli') return undefined;
    return `${from.module} may not import ${to.module}: only the CLI sits above the daemon, and nothing imports the CLI`;
  }
  if (foundation.includes(to.module)) return viaIndex ? undefined : `import ${to.module} through src/${to.module}/index.ts, not ${to.inSrc}`;
  return `src/${to.module} is not a known layer: add it to scripts/lint/boundaries.ts (area, foundation or composer)`;
}

export function boundariesRule(repo: string): Rule.RuleModule {
  return {
    meta: { type: 'problem', docs: { description: 'weft layering: areas never import each other; areas through index.ts only' }, schema: [] },
    create(context) {
      const from = locate(context.filename, repo);
      const check = (node: Rule.Node, source: unknown): void => {
        if (typeof source !== 'string' || !source.startsWith('.')) return;
        const to = locate(resolve(dirname(context.filename), source), repo);
        const problem = boundaryProblem(from, to);
        if (problem !== undefined) context.report({ node, message: problem });
      };
      return {
        ImportDeclaration: (node) => check(node, node.source.value),
        ExportNamedDeclaration: (node) => check(node, node.source?.value),
        ExportAllDeclaration: (node) => check(node, node.source.value),
        ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
      };
    },
  };
}
