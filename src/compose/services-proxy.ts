// Glue between the services, templates and proxy areas, used only by daemon.ts (areas never import
// each other). With proxy.services on, the templates area gets one more resource: the shipped
// share/confd/templates/weft-services.tmpl rendering the services keyspace into the proxy's route
// file. It is an ordinary confd resource (an operator's conf.d/weft-services.toml replaces it), with
// three things only the daemon can give it: the services functions (validation, last good config),
// `weft proxy check` run in-process as its check_cmd (a Node start per render would cost ~40 ms,
// more than everything else between an etcd put and a served request), and a reload of the proxy
// as soon as the file is replaced (the proxy's own file watch waits for its debounce).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.ts';
import { checkRouteFile, loadRouteFile } from '../proxy/index.ts';
import { serviceTemplateFuncs } from '../services/index.ts';
import type { BuiltinCommands, TemplatesExtras } from '../templates/index.ts';

export const servicesResourceFile = 'weft-services.toml';

/** share/confd of this installation: beside src/ when run from the sources, beside dist/ when built. */
export function shippedConfdir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const candidate = join(dir, 'share', 'confd');
    if (existsSync(join(candidate, 'templates', 'weft-services.tmpl'))) return candidate;
  }
  throw new Error(`share/confd/templates/weft-services.tmpl not found above ${fileURLToPath(import.meta.url)} (broken installation)`);
}

// TOML basic strings take JSON's escapes; paths from the config have no control characters anyway.
const tomlString = (text: string): string => JSON.stringify(text);

/** The resource the daemon adds: share/confd/conf.d/weft-services.toml with this config's prefix and route file. */
export function servicesResourceText(config: Pick<Config, 'services' | 'proxy'>): string {
  return [
    '[template]',
    'src = "weft-services.tmpl"',
    `dest = ${tomlString(config.proxy.route_file)}`,
    `prefix = ${tomlString(config.services.prefix)}`,
    'keys = ["/"]',
    'mode = "0644"',
    'check_cmd = "weft proxy check {{.src}}"',
    '# weft: no flush before the rename (as confd); the file is rendered again from etcd at every start.',
    'sync = false',
    '',
  ].join('\n');
}

/** `weft proxy check FILE` in-process: the same report, output and exit status as the command. */
export const proxyCheckBuiltin: BuiltinCommands = new Map([
  [
    'weft proxy check',
    async (args: readonly string[]) => {
      const [file] = args;
      if (file === undefined || args.length > 1) return { code: 2, output: 'WEFT_E_USAGE: usage: weft proxy check FILE', timedOut: false, stopped: false };
      const report = checkRouteFile(file);
      return { code: report.code, output: [...report.err, ...report.out].join('\n'), timedOut: false, stopped: false };
    },
  ],
]);

/** What the templates area needs to render services for `proxy` (reloaded the moment its file is replaced). */
export function servicesTemplatesExtras(config: Pick<Config, 'services' | 'proxy'>, proxy: { reload(): Promise<void> }): TemplatesExtras {
  const confdir = shippedConfdir();
  return {
    builtinResources: [{ file: servicesResourceFile, text: servicesResourceText(config), templateDir: join(confdir, 'templates') }],
    // One service's config is checked with the proxy's own route-file checker, so a rule or
    // middleware the proxy would refuse drops that service, not the whole file.
    extraFuncs: serviceTemplateFuncs({ checkService: (toml: string) => loadRouteFile(toml).errors.map((e) => `${e.path}: ${e.message}`) }),
    builtins: proxyCheckBuiltin,
    onUpdated: (resource) => {
      if (resource.dest === config.proxy.route_file) void proxy.reload();
    },
  };
}
