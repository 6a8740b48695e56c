// cget and friends over secconf values made as crypt's Encode makes them (base64 of a binary OpenPGP
// message of gzip data), rendered through the renderer's decrypt pass. GnuPG-made values: test/integration.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createMessage, encrypt, generateKey, readKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecconf, keyringProblem } from './crypt.ts';
import { renderResource } from './render.ts';
import { parseResource } from './resource.ts';

let secretKeyring = '';
let publicKey = '';
let otherKeyring = '';
let dir = '';

async function secconf(plain: string, armoredPublicKey = publicKey): Promise<string> {
  const message = await createMessage({ binary: gzipSync(Buffer.from(plain)) });
  const encrypted = (await encrypt({ message, encryptionKeys: await readKey({ armoredKey: armoredPublicKey }), format: 'binary' })) as unknown as Uint8Array;
  return Buffer.from(encrypted).toString('base64');
}

beforeAll(async () => {
  const key = await generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'weft test', email: 'test@weft.invalid' }], format: 'armored' });
  secretKeyring = key.privateKey;
  publicKey = key.publicKey;
  otherKeyring = (await generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'other' }], format: 'armored' })).privateKey;
  dir = mkdtempSync(join(tmpdir(), 'weft-crypt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secconf decryption', () => {
  it('decrypts base64(OpenPGP(gzip(data))), newlines in the base64 allowed as Go\'s decoder skips them', async () => {
    const value = await secconf('s3cret');
    expect(await decryptSecconf(value, secretKeyring)).toEqual({ value: 's3cret' });
    expect(await decryptSecconf(value.replace(/(.{64})/g, '$1\n'), secretKeyring)).toEqual({ value: 's3cret' });
  });

  it('explains what is wrong instead of rendering garbage', async () => {
    const error = async (value: string, keys: string): Promise<string> => {
      const result = await decryptSecconf(value, keys);
      return 'error' in result ? result.error : `decrypted to ${result.value}`;
    };
    expect(await error('plain text', secretKeyring)).toContain('not base64');
    expect(await error(await secconf('x'), otherKeyring)).toMatch(/decrypt/i);
    expect(await error(await secconf('x'), '')).toContain('-secret-keyring');
  });

  it('checks the keyring: armored secret keys without a passphrase', async () => {
    expect(await keyringProblem(secretKeyring)).toBeUndefined();
    expect(await keyringProblem('nonsense')).toContain('not an armored OpenPGP secret keyring');
  });
});

describe('cget, cgets, cgetv, cgetvs', () => {
  it('render the decrypted values in confd\'s shapes, and fail the render when one cannot be decrypted', async () => {
    writeFileSync(join(dir, 'app.tmpl'), '{{(cget "/db/pass").Value}} {{cgetv "/db/pass"}}{{range cgets "/users/*"}} {{.Key}}={{.Value}}{{end}}{{range cgetvs "/users/*"}} {{.}}{{end}}');
    const resource = parseResource('/c/conf.d/app.toml', '[template]\nsrc = "app.tmpl"\ndest = "/x"\nkeys = ["/"]', { templateDir: dir, globalPrefix: '', checkTimeout: 1000, reloadTimeout: 1000, lookupUser: () => undefined, lookupGroup: () => undefined });
    const mirror = new Map([['/db/pass', await secconf('hunter2')], ['/users/a', await secconf('alpha')], ['/users/b', await secconf('beta')]]);
    const out = await renderResource(resource, mirror, { lookup: { secretKeyring } });
    const [first, second] = out.split(' ');
    expect([first, second]).toEqual(['hunter2', 'hunter2']);
    expect(out).toContain(' /users/a=alpha /users/b=beta');
    // getvs sorts by the stored (encrypted) value, and confd decrypts in that order.
    expect(out.split(' ').slice(-2).sort()).toEqual(['alpha', 'beta']);

    mirror.set('/db/pass', 'not encrypted');
    await expect(renderResource(resource, mirror, { lookup: { secretKeyring } })).rejects.toThrow(/cget.*not base64/s);
    await expect(renderResource(resource, mirror, {})).rejects.toThrow(/-secret-keyring/);
  });
});
