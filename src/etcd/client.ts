// The one place weft builds an etcd v3 client. Areas receive the client (or, better, the watch and
// host-lease helpers built on it) from daemon.ts and never construct their own.
import { readFileSync } from 'node:fs';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';
import { WeftError } from '../errors.ts';

export interface EtcdSettings {
  readonly endpoints: readonly string[];
  /** Milliseconds to wait for a connection, and the deadline of each non-streaming call. */
  readonly dial_timeout: number;
  readonly ca_file: string;
  readonly cert_file: string;
  readonly key_file: string;
  readonly username: string;
  readonly password: string;
}

// A watch that lost its stream retries quickly: after etcd returns, consumers must catch up within
// about a second, not after the library's default 30 s backoff ceiling.
const watchBackoff = { initialDelay: 50, maxDelay: 1000 };

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new WeftError('WEFT_E_ETCD_CONFIG', `cannot read etcd ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
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
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + settings.dial_timeout }),
    // etcd3 types this as a backoff but calls .next() on it first, as on cockatiel's factories.
    // gRPC's default reconnect backoff grows to 120 s; a host daemon must notice etcd's return fast.
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 },
    faultHandling: { watchBackoff: new ExponentialBackoff(watchBackoff) as unknown as IBackoff<unknown> },
  };
  if (usesTls || settings.ca_file !== '' || settings.cert_file !== '') {
    if (settings.ca_file === '' && !usesTls) throw new WeftError('WEFT_E_ETCD_CONFIG', 'etcd TLS files are set but the endpoints use http://; use https:// endpoints');
    options.credentials = {
      rootCertificate: settings.ca_file === '' ? Buffer.alloc(0) : readPem(settings.ca_file, 'CA file'),
      ...(settings.cert_file === '' ? {} : { certChain: readPem(settings.cert_file, 'client certificate') }),
      ...(settings.key_file === '' ? {} : { privateKey: readPem(settings.key_file, 'client key') }),
    };
  }
  if (settings.username !== '') options.auth = { username: settings.username, password: settings.password };
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
