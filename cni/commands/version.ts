// VERSION: the versions weft-cni speaks; answered with any (even dummy) environment.
import { supportedVersions } from '../spec/version.ts';

export function version(requested: string): { cniVersion: string; supportedVersions: string[] } {
  return { cniVersion: requested, supportedVersions: [...supportedVersions] };
}
