// The VTEP MAC must survive restarts and reboots (peers hold it in their FDB and neighbour tables
// until our lease changes). It is persisted under the state dir; the first value is derived from
// the machine id and public IP, so it is also stable if the state dir is lost. It does not depend
// on the VNI, so the subnet area can publish it before the network config is read.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeftError } from '../errors.ts';
import { deriveVtepMac, machineId } from '../machine.ts';
import { isUnicastMac, normalizeMac } from '../net/index.ts';


export function vtepMacPath(stateDir: string): string {
  return join(stateDir, 'overlay', 'vtep-mac');
}

export interface VtepMacOptions {
  stateDir: string;
  publicIP: string;
  machineId?: string;
}

/** The persisted MAC, or a derived one that is persisted now. */
export async function loadOrCreateVtepMac(options: VtepMacOptions): Promise<string> {
  const path = vtepMacPath(options.stateDir);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new WeftError('WEFT_E_OVERLAY_STATE', `cannot read the VTEP MAC from ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (text !== undefined) {
    const mac = normalizeMac(text.trim());
    if (mac === undefined || !isUnicastMac(mac)) {
      throw new WeftError('WEFT_E_OVERLAY_STATE', `${path} holds ${JSON.stringify(text.trim())}, not a unicast MAC; delete the file to derive a new one`);
    }
    return mac;
  }
  const mac = deriveVtepMac(`${options.machineId ?? machineId()}/${options.publicIP}`);
  try {
    await mkdir(join(options.stateDir, 'overlay'), { recursive: true });
    await writeFile(`${path}.tmp`, `${mac}\n`, { mode: 0o644 });
    await rename(`${path}.tmp`, path);
  } catch (error) {
    throw new WeftError('WEFT_E_OVERLAY_STATE', `cannot persist the VTEP MAC to ${path}: ${(error as Error).message}`, { cause: error });
  }
  return mac;
}
