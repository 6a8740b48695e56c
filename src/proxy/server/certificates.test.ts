import type { SecureContext } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { pickCertificate, type CertificateIndex } from './certificates.ts';

// Contexts are opaque here: tags stand in for them.
const tag = (name: string): SecureContext => ({ context: name });

describe('pickCertificate (Go crypto/tls order)', () => {
  const index: CertificateIndex = {
    byName: new Map([['web.test', tag('web')], ['*.apps.test', tag('wild')], ['a.apps.test', tag('exact')]]),
    fallback: tag('default'),
  };
  it('exact name first, case and trailing dot ignored', () => {
    expect(pickCertificate(index, 'WEB.test.')).toBe(index.byName.get('web.test'));
    expect(pickCertificate(index, 'a.apps.test')).toBe(index.byName.get('a.apps.test'));
  });
  it('then a wildcard for the first label only', () => {
    expect(pickCertificate(index, 'b.apps.test')).toBe(index.byName.get('*.apps.test'));
    expect(pickCertificate(index, 'x.b.apps.test')).toBe(index.fallback);
  });
  it('then the default, or nothing', () => {
    expect(pickCertificate(index, 'other.test')).toBe(index.fallback);
    expect(pickCertificate({ byName: new Map() }, 'other.test')).toBeUndefined();
  });
});
