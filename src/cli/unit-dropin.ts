// `weft config dropin`: the systemd drop-in a config needs on top of scripts/weft.service, which
// grants only weft's default paths and network capabilities (docs/systemd.md). Template
// destinations (their directories: files are staged beside them), and any other path the config
// moved outside /run/weft, /run/flannel and /var/lib/weft, become ReadWritePaths; resources that
// set uid/gid/owner/group add CAP_CHOWN and CAP_FOWNER.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config/index.ts';
import type { Command } from './command.ts';
import { spec } from './commands.ts';
import { loadFromArgs } from './config.ts';

/** What scripts/weft.service already lets weft write. */
export const unitWritable = ['/run/weft', '/run/flannel', '/var/lib/weft'];

const covered = (path: string): boolean => unitWritable.some((w) => path === w || path.startsWith(`${w}/`));

interface TemplateNeeds {
  readonly dests: string[];
  readonly chown: boolean;
  readonly problems: string[];
}

async function templateNeeds(config: Config): Promise<TemplateNeeds> {
  if (!config.templates.enabled) return { dests: [], chown: false, problems: [] };
  const { parseResource, lookupGroup, lookupUser } = await import('../templates/index.ts');
  const confd = join(config.templates.confdir, 'conf.d');
  const names = (await readdir(confd).catch(() => [] as string[])).filter((n) => n.endsWith('.toml')).sort();
  const defaults = {
    templateDir: join(config.templates.confdir, 'templates'), globalPrefix: config.templates.prefix, prefixMode: config.templates.prefix_mode,
    checkTimeout: config.templates.check_timeout, reloadTimeout: config.templates.reload_timeout, lookupUser, lookupGroup,
  };
  const dests: string[] = [];
  const problems: string[] = [];
  let chown = false;
  for (const name of names) {
    const file = join(confd, name);
    try {
      const resource = parseResource(file, await readFile(file, 'utf8'), defaults);
      dests.push(resource.dest);
      if (resource.uid !== undefined || resource.gid !== undefined) chown = true;
    } catch (error) {
      problems.push(`# ${file}: ${(error as Error).message} (left out)`);
    }
  }
  return { dests, chown, problems };
}

export async function dropinFor(config: Config, file: string | undefined): Promise<string> {
  const templates = await templateNeeds(config);
  const dirs = [dirname(config.subnet.subnet_file), config.daemon.state_dir, dirname(config.admin.socket), ...(config.proxy.enabled ? [dirname(config.proxy.route_file)] : []), ...templates.dests.map((d) => dirname(d))];
  const extra = [...new Set(dirs.filter((d) => !covered(d)))].sort();
  const lines = [
    `# /etc/systemd/system/weft.service.d/config.conf, written by \`weft config dropin\`${file === undefined ? '' : ` from ${file}`}.`,
    '# Then: systemctl daemon-reload && systemctl restart weft. See docs/systemd.md.',
    ...templates.problems,
    '[Service]',
    ...(extra.length > 0 ? [`ReadWritePaths=${extra.map((d) => `-${d}`).join(' ')}`] : ['# no paths beyond the unit\'s own']),
    ...(templates.chown ? ['# template resources set uid/gid/owner/group', 'CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER'] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export const configDropin: Command = {
  ...spec('config dropin'),
  async run(args, io) {
    const loaded = loadFromArgs(args, io);
    if (loaded === undefined) return 1;
    io.out(await dropinFor(loaded.config, loaded.file));
    return 0;
  },
};
