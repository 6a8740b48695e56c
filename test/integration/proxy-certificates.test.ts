// The route file's certificates are read and checked when the file is loaded: a missing file or a
// key that does not match refuses the version (with the key path), a good pair is handed over.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCertificates } from '../../src/proxy/certificates.ts';
import type { RouteConfig } from '../../src/proxy/types.ts';

let dir = '';
const pair = (name: string): { certFile: string; keyFile: string } => ({ certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) });
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-proxy-certs-'));
  for (const name of ['a', 'b']) {
    const { certFile, keyFile } = pair(name);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}.test`, '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (certificates: RouteConfig['certificates'], defaultCertificate?: RouteConfig['defaultCertificate']): RouteConfig => ({
  routers: {}, services: {}, middlewares: {}, certificates, ...(defaultCertificate === undefined ? {} : { defaultCertificate }),
});

describe('route file certificates', () => {
  it('hands over every good pair, and the default one', async () => {
    const { certificates, errors } = await loadCertificates(config([pair('a'), pair('b')], pair('a')));
    expect(errors).toEqual([]);
    expect(certificates.bySni).toHaveLength(2);
    expect(String(certificates.default?.cert)).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a missing file and a key of another certificate, each with its key path', async () => {
    const { errors } = await loadCertificates(config([pair('a'), { certFile: join(dir, 'missing.crt'), keyFile: pair('a').keyFile }, { certFile: pair('a').certFile, keyFile: pair('b').keyFile }]));
    expect(errors.map((e) => e.path)).toEqual(['tls.certificates.1', 'tls.certificates.2']);
    expect(errors[0]?.message).toContain('ENOENT');
  });
});
