// weft-cni's calls to the daemon's admin API over its unix socket: readiness (GET /readyz) and
// DNS names (POST /v1/dns/records, GET to list this host's, DELETE /v1/dns/records/<name>).
// Every request has a deadline; an unreachable socket is "not ready", never a hang.
import type { AdminReply } from '../src/admin/client.ts';
import { adminCall } from './admin-socket.ts';
import { CniCode, CniError } from './spec/errors.ts';

export const readyTimeoutMs = 3_000;
export const recordTimeoutMs = 10_000;

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export async function request(socket: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<AdminReply | Error> {
  try {
    return await adminCall(socket, method, path, body, timeoutMs);
  } catch (error) {
    return error as Error;
  }
}

export async function daemonReadiness(socket: string): Promise<Readiness> {
  const reply = await request(socket, 'GET', '/readyz', undefined, readyTimeoutMs);
  if (reply instanceof Error) return { ready: false, reason: `the weft daemon is not reachable on ${socket}: ${reply.message}` };
  if (reply.status === 200) return { ready: true };
  const lines = reply.text.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
  return { ready: false, reason: `the weft daemon is not ready (HTTP ${reply.status}${lines.length > 0 ? `: ${lines.join('; ').slice(0, 300)}` : ''})` };
}

function daemonError(reply: AdminReply): string {
  const b = reply.body as { code?: unknown; error?: unknown } | undefined;
  return `${typeof b?.code === 'string' ? b.code : `HTTP ${reply.status}`}: ${typeof b?.error === 'string' ? b.error : reply.text.slice(0, 200)}`;
}

/**
 * Registers name → ip. Returns the name as the daemon stored it (qualified into its zone), or
 * undefined when the daemon refuses the name itself (not a host name): that name is skipped.
 */
export async function registerName(socket: string, name: string, ip: string): Promise<string | undefined> {
  const reply = await request(socket, 'POST', '/v1/dns/records', { name, ip }, recordTimeoutMs);
  if (reply instanceof Error) throw new CniError(CniCode.tryAgainLater, `cannot register ${name} in weft's DNS: the daemon is not reachable`, reply.message);
  if (reply.status === 201) return (reply.body as { name?: unknown }).name === undefined ? name : String((reply.body as { name: unknown }).name);
  const code = (reply.body as { code?: unknown } | undefined)?.code;
  if (reply.status === 400 && code === 'WEFT_E_DNS_RECORD') return undefined;
  if (reply.status === 403) throw new CniError(CniCode.invalidConfig, `the weft daemon refuses to register ${ip} for ${name}`, `${daemonError(reply)}; the subnet file and the daemon disagree about the cluster network`);
  throw new CniError(CniCode.tryAgainLater, `cannot register ${name} in weft's DNS`, daemonError(reply));
}

interface Registered {
  readonly name: string;
  readonly ip: string;
}

/**
 * Removes `name` → `ips`. The daemon deletes a name for all of this host's addresses and says
 * which it removed; those of other addresses (another container's) are written back at once.
 * An unreachable daemon is no error: its names live on its etcd lease and go with it.
 */
export async function unregisterName(socket: string, name: string, ips: readonly string[]): Promise<void> {
  const reply = await request(socket, 'DELETE', `/v1/dns/records/${encodeURIComponent(name)}`, undefined, recordTimeoutMs);
  // 404: not registered; 400: a name the daemon never accepted (ADD skipped it).
  if (reply instanceof Error || reply.status === 404 || reply.status === 400) return;
  if (reply.status !== 200) throw new CniError(CniCode.tryAgainLater, `cannot remove ${name} from weft's DNS`, daemonError(reply));
  const removed = (reply.body as { removed?: Registered[] }).removed ?? [];
  for (const other of removed.filter((r) => !ips.includes(r.ip))) await registerName(socket, other.name, other.ip);
}
