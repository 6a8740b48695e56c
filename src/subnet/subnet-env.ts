// subnet.env in flannel's format, which CNI configs and docker drop-ins source:
//   FLANNEL_NETWORK=10.5.0.0/16
//   FLANNEL_SUBNET=10.5.34.1/24      (the first usable address of the lease, with its length)
//   FLANNEL_IPV6_NETWORK=fc00::/48   (with EnableIPv6; the IPv4 pair is left out when EnableIPv4 is false)
//   FLANNEL_IPV6_SUBNET=fc00:0:0:22::1/64
//   FLANNEL_MTU=1450
//   FLANNEL_IPMASQ=false
// Written atomically (temp file in the same directory, fsync, rename); the temp file has a random
// name and is created exclusively (O_EXCL), so a symlink planted in the directory is never followed. flannel reads FLANNEL_SUBNET
// back at start to prefer the same subnet again (and FLANNEL_IPV6_SUBNET); so does weft.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { WeftError } from '../errors.ts';
import { firstUsable4, firstUsable6, formatNet4, formatNet6, parseCidr4, parseCidr6, type Net4, type Net6 } from '../net/index.ts';

export interface SubnetEnv {
  /** Absent when EnableIPv4 is false. */
  readonly network?: Net4 | undefined;
  readonly subnet?: Net4 | undefined;
  /** Present with EnableIPv6. */
  readonly ipv6Network?: Net6 | undefined;
  readonly ipv6Subnet?: Net6 | undefined;
  readonly mtu: number;
  readonly ipMasq: boolean;
}

/** flannel's WriteSubnetFile: the IPv4 pair, the IPv6 pair, MTU and masquerading, in that order. */
export function renderSubnetEnv(env: SubnetEnv): string {
  const v4 = env.network === undefined || env.subnet === undefined ? [] : [`FLANNEL_NETWORK=${formatNet4(env.network)}`, `FLANNEL_SUBNET=${firstUsable4(env.subnet)}`];
  const v6 = env.ipv6Network === undefined || env.ipv6Subnet === undefined ? [] : [`FLANNEL_IPV6_NETWORK=${formatNet6(env.ipv6Network)}`, `FLANNEL_IPV6_SUBNET=${firstUsable6(env.ipv6Subnet)}`];
  return [
    ...v4,
    ...v6,
    `FLANNEL_MTU=${env.mtu}`,
    `FLANNEL_IPMASQ=${env.ipMasq ? 'true' : 'false'}`,
    '',
  ].join('\n');
}

/** KEY=VALUE lines as godotenv reads them: comments, `export`, and quotes allowed. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    out.set(line.slice(0, eq).trim(), value);
  }
  return out;
}

/** The subnet a previous run leased, from FLANNEL_SUBNET ("10.5.34.1/24" -> 10.5.34.0/24). */
export function previousSubnet(text: string): Net4 | undefined {
  const value = parseEnvFile(text).get('FLANNEL_SUBNET');
  return value === undefined ? undefined : parseCidr4(value);
}

/** The IPv6 subnet a previous run leased, from FLANNEL_IPV6_SUBNET ("fc00:0:0:22::1/64" -> fc00:0:0:22::/64). */
export function previousSubnet6(text: string): Net6 | undefined {
  const value = parseEnvFile(text).get('FLANNEL_IPV6_SUBNET');
  return value === undefined ? undefined : parseCidr6(value);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function readPreviousSubnet(path: string): Net4 | undefined {
  return previousSubnet(readOrEmpty(path));
}

export function readPreviousSubnet6(path: string): Net6 | undefined {
  return previousSubnet6(readOrEmpty(path));
}

/** Replaces `path` with `text` so that readers see the old file or the new one, never a part. */
export function writeFileAtomic(path: string, text: string, mode = 0o644): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(12).toString('hex')}.tmp`);
  let created = false;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    let keepMode = mode;
    try {
      keepMode = statSync(path).mode & 0o777;
    } catch {
      // a new file gets `mode`
    }
    // 'wx' is O_CREAT|O_EXCL: fails on any existing entry, a symlink included, instead of following it.
    const fd = openSync(temp, 'wx', keepMode);
    created = true;
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    // Remove only what we created: an entry someone else put at the temp name is not ours.
    if (created) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // the error below says what failed; a leftover temp file is harmless
      }
    }
    throw new WeftError('WEFT_E_SUBNET_FILE', `cannot write ${path}: ${(error as Error).message}; check that its directory is writable (--subnet-file)`, { cause: error });
  }
}

export function writeSubnetEnv(path: string, env: SubnetEnv): void {
  writeFileAtomic(path, renderSubnetEnv(env));
}
