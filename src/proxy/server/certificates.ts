// Certificates by SNI, as Go's crypto/tls picks them (Traefik's store works alike): an exact name
// among the certificates' SANs (CN when there are none), then a wildcard for the first label,
// then the default certificate (the first one when none is marked default).
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';

/** What the area hands the server; a new object after each reload (contexts are rebuilt then). */
export interface ProxyCertificates {
  readonly default?: SecureContextOptions;
  /** Each certificate is served for the names in its SANs (DNS and IP) or, without SANs, its CN. */
  readonly bySni: readonly SecureContextOptions[];
}

export interface CertificateIndex {
  readonly byName: ReadonlyMap<string, SecureContext>;
  readonly fallback?: SecureContext;
  readonly fallbackOptions?: SecureContextOptions;
}

/** The names a certificate answers for, lower-cased. */
export function certificateNames(pem: string | Buffer): string[] {
  const cert = new X509Certificate(pem);
  const names: string[] = [];
  for (const entry of (cert.subjectAltName ?? '').split(',')) {
    const match = /^\s*(DNS|IP Address):(.+)$/.exec(entry);
    if (match?.[2] !== undefined) names.push(match[2].trim().toLowerCase());
  }
  if (names.length === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject);
    if (cn?.[1] !== undefined) names.push(cn[1].trim().toLowerCase());
  }
  return names;
}

export function indexCertificates(set: ProxyCertificates): CertificateIndex {
  const byName = new Map<string, SecureContext>();
  for (const options of set.bySni) {
    if (options.cert === undefined) continue;
    const context = createSecureContext(options);
    const pems = Array.isArray(options.cert) ? options.cert : [options.cert];
    const leaf = pems[0];
    if (leaf === undefined) continue;
    // The first certificate naming a host wins, as Go's NameToCertificate fills in file order.
    for (const name of certificateNames(leaf)) if (!byName.has(name)) byName.set(name, context);
  }
  const fallbackOptions = set.default ?? set.bySni[0];
  if (fallbackOptions === undefined) return { byName };
  return { byName, fallback: createSecureContext(fallbackOptions), fallbackOptions };
}

/** Go's getCertificate: exact name, then `*.` + the name without its first label. */
export function pickCertificate(index: CertificateIndex, serverName: string): SecureContext | undefined {
  const name = serverName.toLowerCase().replace(/\.$/, '');
  const exact = index.byName.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  if (dot > 0) {
    const wildcard = index.byName.get(`*${name.slice(dot)}`);
    if (wildcard !== undefined) return wildcard;
  }
  return index.fallback;
}
