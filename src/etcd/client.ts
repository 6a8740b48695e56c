// The one place weft builds an etcd v3 client. Areas receive the client (or, better, the watch and
// host-lease helpers built on it) from daemon.ts and never construct their own.
import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, type IBackoff } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { schema } from '../config/index.ts';
import { WeftError } from '../errors.ts';
import { callDeadlines, countingRetry } from './failover.ts';

export interface EtcdSettings {
  readonly endpoints: readonly string[];
  /** Milliseconds to wait for a connection, and the deadline of each try of a non-streaming call. */
  readonly dial_timeout: number;
  /** With several endpoints: deadline of a try while the call has untried members left. */
  readonly failover_timeout?: number;
  readonly ca_file: string;
  readonly cert_file: string;
  readonly key_file: string;
  readonly username: string;
  readonly password: string;
  /** File holding the password (read here, one trailing newline stripped); '' for none. */
  readonly password_file?: string;
  /** Milliseconds between gRPC keep-alive pings while calls (watches) are open. */
  readonly keepalive_time?: number;
  /** Milliseconds to wait for a ping's answer before the connection is declared dead. */
  readonly keepalive_timeout?: number;
}

// A watch that lost its stream retries quickly: after etcd returns, consumers must catch up within
// about a second, not after the library's default 30 s backoff ceiling.
const watchBackoff = { initialDelay: 50, maxDelay: 1000 };

// The library opens a host's circuit breaker after 3 failed calls and tries again only after 5 s:
// with one endpoint there is no other member to turn to, so that only delays catching up after
// etcd's return by up to 5 s (the chaos suite's etcd outage saw 2.5-4 s). With several members
// the 5 s keep calls away from a dead or partitioned member, as the library intends.
export const singleHostHalfOpenMs = 500;
const hostBreaker = (halfOpenAfter: number) => () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter, breaker: new ConsecutiveBreaker(3) });

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new WeftError('WEFT_E_ETCD_CONFIG', `cannot read etcd ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The password to use: etcd.password, or the content of etcd.password_file (never both). */
export function etcdPassword(settings: EtcdSettings): string {
  const file = settings.password_file ?? '';
  if (file === '') return settings.password;
  if (settings.password !== '') {
    throw new WeftError('WEFT_E_ETCD_CONFIG', 'both etcd.password and etcd.password_file are set; keep only password_file (the command line and the environment are readable by others)');
  }
  if (settings.username === '') throw new WeftError('WEFT_E_ETCD_CONFIG', 'etcd.password_file is set but etcd.username is empty; set the user too');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WeftError('WEFT_E_ETCD_CONFIG', `cannot read etcd.password_file ${file}: ${(error as Error).message}`, { cause: error });
  }
  // Files written by `echo` or an editor end in a newline that is not part of the password.
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

export function etcdClientOptions(settings: EtcdSettings): IOptions {
  if (settings.endpoints.length === 0) throw new WeftError('WEFT_E_ETCD_CONFIG', 'no etcd endpoints configured; set etcd.endpoints or --etcd-endpoints');
  const usesTls = settings.endpoints.some((e) => e.startsWith('https://'));
  if ((settings.cert_file === '') !== (settings.key_file === '')) {
    throw new WeftError('WEFT_E_ETCD_CONFIG', 'etcd client TLS needs both cert_file and key_file (or neither)');
  }
  if (usesTls && settings.endpoints.some((e) => e.startsWith('http://'))) {
    throw new WeftError('WEFT_E_ETCD_CONFIG', 'etcd endpoints mix http:// and https://; use one scheme for all');
  }
  const options: IOptions = {
    hosts: [...settings.endpoints],
    dialTimeout: settings.dial_timeout,
    defaultCallOptions: callDeadlines({
      dialTimeoutMs: settings.dial_timeout,
      failoverTimeoutMs: settings.failover_timeout ?? schema.etcd.failover_timeout.default,
      endpoints: settings.endpoints.length,
    }),
    // etcd3 types this as a backoff but calls .next() on it first, as on cockatiel's factories.
    // gRPC's default reconnect backoff grows to 120 s; a host daemon must notice etcd's return fast.
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      // A connection that died silently (no FIN/RST) is only noticed by pings. Only while calls are
      // open: etcd (PermitWithoutStream=false) answers pings on an idle connection with GOAWAY.
      'grpc.keepalive_time_ms': settings.keepalive_time ?? schema.etcd.keepalive_time.default,
      'grpc.keepalive_timeout_ms': settings.keepalive_timeout ?? schema.etcd.keepalive_timeout.default,
      'grpc.keepalive_permit_without_calls': 0,
    },
    faultHandling: {
      watchBackoff: new ExponentialBackoff(watchBackoff) as unknown as IBackoff<unknown>,
      global: countingRetry(),
      ...(settings.endpoints.length === 1 ? { host: hostBreaker(singleHostHalfOpenMs) } : {}),
    },
  };
  if (usesTls || settings.ca_file !== '' || settings.cert_file !== '') {
    if (settings.ca_file === '' && !usesTls) throw new WeftError('WEFT_E_ETCD_CONFIG', 'etcd TLS files are set but the endpoints use http://; use https:// endpoints');
    options.credentials = {
      rootCertificate: settings.ca_file === '' ? Buffer.alloc(0) : readPem(settings.ca_file, 'CA file'),
      ...(settings.cert_file === '' ? {} : { certChain: readPem(settings.cert_file, 'client certificate') }),
      ...(settings.key_file === '' ? {} : { privateKey: readPem(settings.key_file, 'client key') }),
    };
  }
  const password = etcdPassword(settings);
  if (settings.username !== '') options.auth = { username: settings.username, password };
  return options;
}

export function createEtcdClient(settings: EtcdSettings): Etcd3 {
  return new Etcd3(etcdClientOptions(settings));
}

/** Waits until etcd answers (a cheap range on a key nobody uses), for start-up ordering and CLIs. */
export async function waitForEtcd(client: Etcd3, settings: EtcdSettings, signal?: AbortSignal): Promise<void> {
  try {
    await client.get('/weft/.ping').exec();
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw new WeftError(
      'WEFT_E_ETCD_UNAVAILABLE',
      `etcd at ${settings.endpoints.join(', ')} did not answer within ${settings.dial_timeout} ms: ${(error as Error).message}; is etcd running and reachable?`,
      { cause: error },
    );
  }
}
