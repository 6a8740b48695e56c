// The VTEP MAC must survive restarts and reboots (peers hold it in their FDB and neighbour tables
// until our lease changes). It is persisted under the state dir; the first value is derived from
// the machine id and public IP, so it is also stable if the state dir is lost. It does not depend
// on the VNI, so the subnet area can publish it before the network config is read.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeftError } from '../errors.ts';
import { deriveVtepMac, machineId } from '../machine.ts';
import { bytesToIp4, isUnicastMac, normalizeMac } from '../net/index.ts';
import { createRtNetlink } from 'netlink';
import { adoptedMac, type LinkFacts } from './adopt.ts';
import { linkView } from './netlink-decode.ts';


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
  await persistVtepMac(options.stateDir, mac);
  return mac;
}

/** Writes `mac` as the persisted VTEP MAC (atomically: temp file, rename). */
export async function persistVtepMac(stateDir: string, mac: string): Promise<void> {
  const path = vtepMacPath(stateDir);
  try {
    await mkdir(join(stateDir, 'overlay'), { recursive: true });
    await writeFile(`${path}.tmp`, `${mac}\n`, { mode: 0o644 });
    await rename(`${path}.tmp`, path);
  } catch (error) {
    throw new WeftError('WEFT_E_OVERLAY_STATE', `cannot persist the VTEP MAC to ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The VTEP MAC for the first lease write: the MAC of the VXLAN device weft will use if it already
 * exists (flanneld's, see adopt.ts), persisted so that later starts keep it; else the persisted or
 * derived one. `links` lists the kernel's links (default: an rtnetlink dump in this namespace).
 */
export async function adoptOrLoadVtepMac(options: VtepMacOptions & { device: string; links?: () => Promise<LinkFacts[]> }): Promise<string> {
  const adopted = adoptedMac(await (options.links ?? dumpLinks)(), { publicIP: options.publicIP, device: options.device });
  if (adopted === undefined) return loadOrCreateVtepMac(options);
  // The device's MAC is what the peers hold (flanneld published it): it wins over the file.
  await persistVtepMac(options.stateDir, adopted);
  return adopted;
}

async function dumpLinks(): Promise<LinkFacts[]> {
  const nl = createRtNetlink();
  try {
    const links = (await nl.getLinks(undefined, undefined, { timeout: 5_000 })).flatMap((m) => linkView(m) ?? []);
    return links.map((l) => ({ name: l.name, kind: l.kind, mac: l.mac, local: l.vxlan?.local === undefined ? '' : (bytesToIp4(l.vxlan.local) ?? '') }));
  } finally {
    nl.socket.close();
  }
}
