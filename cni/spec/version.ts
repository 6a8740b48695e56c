// The CNI spec versions weft-cni speaks, and which commands each allows (CHECK from 0.4.0,
// STATUS and GC from 1.1.0), as libcni's skel decides it.
import { CniCode, CniError } from './errors.ts';

export const supportedVersions = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof supportedVersions)[number];
export const currentVersion: CniVersion = '1.1.0';

/** Semver order of two x.y.z versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function isSupported(version: string): version is CniVersion {
  return (supportedVersions as readonly string[]).includes(version);
}

const minimumFor: Readonly<Record<string, string>> = { CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

/** Throws CNI error 1 for a version we do not speak or one too old for the command. */
export function requireVersion(version: string, command: string): CniVersion {
  if (!isSupported(version)) {
    throw new CniError(CniCode.incompatibleVersion, 'incompatible CNI versions', `config is "${version}", weft-cni supports ${supportedVersions.join(', ')}`);
  }
  const minimum = minimumFor[command];
  if (minimum !== undefined && compareVersions(version, minimum) < 0) {
    throw new CniError(CniCode.incompatibleVersion, `config version does not allow ${command}`, `${command} needs cniVersion ${minimum} or later; the config says ${version}`);
  }
  return version;
}

/** The version to speak to a delegate: Debian's plugins (1.1.x) stop at 1.0.0, whose results 1.1.0 shares. */
export function delegateVersion(version: CniVersion): CniVersion {
  return compareVersions(version, '1.0.0') > 0 ? '1.0.0' : version;
}

type Json = Record<string, unknown>;

export function decodeConfig(stdin: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(stdin);
  } catch (error) {
    throw new CniError(CniCode.decodingFailure, 'failed to decode network configuration', (error as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CniError(CniCode.decodingFailure, 'failed to decode network configuration', 'stdin must hold a JSON object');
  return value as Json;
}

/** The requested version: libcni reads a missing cniVersion as 0.1.0, which we do not speak. */
export function requestedVersion(config: Json): string {
  return typeof config.cniVersion === 'string' ? config.cniVersion : '0.1.0';
}
