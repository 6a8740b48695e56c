// Bare container network namespaces for CNI tests (a runtime's pause/infra netns): only `lo`, up.
// Named `<bed prefix>h<N>k<M>` beside the test bed's own; removed by removeAll() in any case.
import { ip } from '../harness/netns.ts';
import type { Attachment } from './driver.ts';

export interface CniContainer extends Attachment {
  readonly name: string;
}

export class ContainerNamespaces {
  readonly #prefix: string;
  readonly #live = new Set<string>();
  #next = 1;

  constructor(bedPrefix: string) {
    this.#prefix = bedPrefix;
  }

  /** A new netns for host `hostIndex`; the container ID is derived from it (unique per run). */
  async create(hostIndex: number, containerID?: string): Promise<CniContainer> {
    const name = `${this.#prefix}h${hostIndex}k${this.#next++}`;
    await ip(['netns', 'add', name]);
    this.#live.add(name);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return { name, netns: `/run/netns/${name}`, containerID: containerID ?? `${name}-${Date.now().toString(36)}`, ifName: 'eth0' };
  }

  async remove(container: Pick<CniContainer, 'name'>): Promise<void> {
    if (!this.#live.delete(container.name)) return;
    await ip(['netns', 'del', container.name]);
  }

  async removeAll(): Promise<void> {
    for (const name of [...this.#live]) await this.remove({ name });
  }

  get live(): string[] {
    return [...this.#live];
  }
}

/** Names of the links in a netns (`lo`, `eth0@if12` -> `eth0`). */
export async function linksIn(ns: string): Promise<string[]> {
  return (await ip(['-n', ns, '-o', 'link', 'show']))
    .split('\n')
    .filter(Boolean)
    .map((line) => (line.split(': ')[1] ?? '').split('@')[0] ?? '');
}

/** veths in a host netns other than the ones the test bed made (its underlay link, its containers'). */
export async function pluginVeths(hostNs: string, bedLinks: readonly string[]): Promise<string[]> {
  const veths = (await ip(['-n', hostNs, '-o', 'link', 'show', 'type', 'veth']))
    .split('\n')
    .filter(Boolean)
    .map((line) => (line.split(': ')[1] ?? '').split('@')[0] ?? '');
  return veths.filter((name) => !bedLinks.includes(name));
}

/** IPv4 addresses (CIDR) on a link inside a netns. */
export async function addressesOf(ns: string, link: string): Promise<string[]> {
  const out = await ip(['-n', ns, '-o', '-4', 'addr', 'show', 'dev', link]);
  return [...out.matchAll(/inet (\S+)/g)].map((m) => m[1] ?? '');
}
