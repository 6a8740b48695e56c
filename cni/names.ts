// The names a container is registered under: K8S_POD_NAME from CNI_ARGS (Kubernetes sets it, and
// so does podman, to the container's name) and the runtime's `aliases` capability. Lowercased and
// deduplicated; what is not a host name (labels of [a-z0-9_-], 1-63 bytes, 253 in all) is left
// out here rather than refused by the daemon one round trip later.
import { maxAliases } from './spec/config.ts';

const label = /^[a-z0-9_-]{1,63}$/;

export function isHostName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((l) => label.test(l));
}

export function containerNames(args: ReadonlyMap<string, string>, aliases: readonly string[]): { names: string[]; skipped: string[] } {
  const wanted = [args.get('K8S_POD_NAME') ?? '', ...aliases].map((n) => n.trim().toLowerCase().replace(/\.$/, '')).filter((n) => n !== '');
  const unique = [...new Set(wanted)].slice(0, maxAliases + 1);
  return { names: unique.filter(isHostName), skipped: unique.filter((n) => !isHostName(n)) };
}
