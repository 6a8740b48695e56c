import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isWeftError } from '../errors.ts';
import { formatNet4, parseCidr4, type Net4 } from '../net/index.ts';
import { parseEnvFile, previousSubnet, readPreviousSubnet, renderSubnetEnv, writeFileAtomic, writeSubnetEnv } from './subnet-env.ts';

const net = (text: string): Net4 => parseCidr4(text) ?? { ip: 0, prefixLen: 0 };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-subnet-env-'));
  dirs.push(dir);
  return dir;
}

describe('subnet.env', () => {
  it('renders flannel\'s four lines with the first usable address', () => {
    expect(renderSubnetEnv({ network: net('10.5.0.0/16'), subnet: net('10.5.34.0/24'), mtu: 1450, ipMasq: false })).toBe(
      'FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n',
    );
    expect(renderSubnetEnv({ network: net('192.168.7.0/24'), subnet: net('192.168.7.64/26'), mtu: 8950, ipMasq: true })).toBe(
      'FLANNEL_NETWORK=192.168.7.0/24\nFLANNEL_SUBNET=192.168.7.65/26\nFLANNEL_MTU=8950\nFLANNEL_IPMASQ=true\n',
    );
  });

  it.each([
    ['FLANNEL_SUBNET=10.5.34.1/24\n', '10.5.34.0/24'],
    ['# flannel\nexport FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET="10.5.0.129/25"\n', '10.5.0.128/25'],
    ['FLANNEL_NETWORK=10.5.0.0/16\n', undefined],
    ['FLANNEL_SUBNET=nonsense\n', undefined],
  ])('reads the previous subnet back from %j', (text, expected) => {
    const subnet = previousSubnet(text);
    expect(subnet === undefined ? undefined : formatNet4(subnet)).toBe(expected);
  });

  it('parses env files like godotenv', () => {
    expect([...parseEnvFile("A=1\n  B = 'two' \n#C=3\nnot a line\nexport D=\"4\"\n")]).toEqual([['A', '1'], ['B', 'two'], ['D', '4']]);
  });

  it('writes atomically, creating the directory, keeping an existing mode, leaving no temp file', () => {
    const dir = tempDir();
    const path = join(dir, 'run', 'weft', 'subnet.env');
    writeSubnetEnv(path, { network: net('10.5.0.0/16'), subnet: net('10.5.34.0/24'), mtu: 1450, ipMasq: false });
    expect(readFileSync(path, 'utf8')).toContain('FLANNEL_SUBNET=10.5.34.1/24\n');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    chmodSync(path, 0o600);
    writeFileAtomic(path, 'X=1\n');
    expect(readFileSync(path, 'utf8')).toBe('X=1\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'run', 'weft'))).toEqual(['subnet.env']);
    expect(readPreviousSubnet(join(dir, 'missing.env'))).toBeUndefined();
  });

  it('fails with WEFT_E_SUBNET_FILE when the directory cannot be made', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    let caught: unknown;
    try {
      writeFileAtomic(join(dir, 'file', 'subnet.env'), 'X=1\n');
    } catch (error) {
      caught = error;
    }
    expect(isWeftError(caught, 'WEFT_E_SUBNET_FILE')).toBe(true);
  });

  // The old temp name was `.<file>.<pid>.<Date.now()>.tmp`, opened with 'w' (follows symlinks):
  // anyone who could write the directory could make weft overwrite any file it can write.
  it('never follows a symlink planted at the old predictable temp name', () => {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const now = 1_700_000_000_000;
    vi.spyOn(Date, 'now').mockReturnValue(now);
    try {
      symlinkSync(victim, join(dir, `.subnet.env.${process.pid}.${now}.tmp`));
      writeFileAtomic(join(dir, 'subnet.env'), 'X=1\n');
    } finally {
      vi.restoreAllMocks();
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(dir, 'subnet.env')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'subnet.env'), 'utf8')).toBe('X=1\n');
  });
});
