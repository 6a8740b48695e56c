// The route file's [[tls.certificates]] read and checked when the file is loaded, so a missing or
// mismatched PEM refuses the reload (the previous table and certificates keep serving) instead of
// failing TLS handshakes later. The server picks among them by SNI.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateSpec, RouteConfig, RouteProblem } from './types.ts';
import { readBounded } from './read-bounded.ts';

/** A PEM file is a few KiB; a chain with many intermediates stays far below this. */
const maxPemBytes = 1024 * 1024;

export interface LoadedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly context: SecureContext;
}

export interface CertificateBundle {
  readonly certificates: readonly LoadedCertificate[];
  readonly defaultCertificate?: LoadedCertificate;
}

async function loadOne(spec: CertificateSpec, path: string): Promise<LoadedCertificate | RouteProblem> {
  try {
    const cert = await readBounded(spec.certFile, maxPemBytes);
    const key = await readBounded(spec.keyFile, maxPemBytes);
    return { certFile: spec.certFile, keyFile: spec.keyFile, cert, key, context: createSecureContext({ cert, key }) };
  } catch (error) {
    return { path, message: `certificate ${spec.certFile} with key ${spec.keyFile} is unusable: ${(error as Error).message}` };
  }
}

const isProblem = (value: LoadedCertificate | RouteProblem): value is RouteProblem => 'message' in value;

/** Every certificate of the config, or every problem (with its key path) when any is unusable. */
export async function loadCertificates(config: RouteConfig): Promise<{ bundle: CertificateBundle; errors: readonly RouteProblem[] }> {
  const loaded = await Promise.all(config.certificates.map((spec, i) => loadOne(spec, `tls.certificates[${i}]`)));
  const fallback = config.defaultCertificate === undefined ? undefined : await loadOne(config.defaultCertificate, 'tls.stores.default.defaultCertificate');
  const errors = [...loaded, ...(fallback === undefined ? [] : [fallback])].filter(isProblem);
  const certificates = loaded.filter((c): c is LoadedCertificate => !isProblem(c));
  const bundle: CertificateBundle = fallback === undefined || isProblem(fallback) ? { certificates } : { certificates, defaultCertificate: fallback };
  return { bundle, errors };
}
