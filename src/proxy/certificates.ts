// The route file's [[tls.certificates]] (and the default certificate) read and checked when the
// file is loaded, so a missing or mismatched PEM refuses the reload (the previous table and
// certificates keep serving) instead of failing TLS handshakes later. The server picks among them
// by SNI; it gets a new object only with a new table.
import { createSecureContext } from 'node:tls';
import type { ProxyCertificates } from './layers.ts';
import { readBounded } from './read-bounded.ts';
import type { CertificateSpec, RouteConfig, RouteProblem } from './types.ts';

/** A PEM file is a few KiB; a chain with many intermediates stays far below this. */
const maxPemBytes = 1024 * 1024;

async function loadOne(spec: CertificateSpec, path: string): Promise<{ cert: Buffer; key: Buffer } | RouteProblem> {
  try {
    const cert = await readBounded(spec.certFile, maxPemBytes);
    const key = await readBounded(spec.keyFile, maxPemBytes);
    createSecureContext({ cert, key });
    return { cert, key };
  } catch (error) {
    return { path, message: `certificate ${spec.certFile} with key ${spec.keyFile} is unusable: ${(error as Error).message}` };
  }
}

const isProblem = (value: object): value is RouteProblem => 'message' in value;

/** Every certificate of the config, or every problem (with its key path) when any is unusable. */
export async function loadCertificates(config: RouteConfig): Promise<{ certificates: ProxyCertificates; errors: readonly RouteProblem[] }> {
  const loaded = await Promise.all(config.certificates.map((spec, i) => loadOne(spec, `tls.certificates.${i}`)));
  const fallback = config.defaultCertificate === undefined ? undefined : await loadOne(config.defaultCertificate, 'tls.stores.default.defaultCertificate');
  const errors = [...loaded, ...(fallback === undefined ? [] : [fallback])].filter(isProblem);
  const bySni = loaded.filter((c): c is { cert: Buffer; key: Buffer } => !isProblem(c));
  const certificates: ProxyCertificates = fallback === undefined || isProblem(fallback) ? { bySni } : { bySni, default: fallback };
  return { certificates, errors };
}
