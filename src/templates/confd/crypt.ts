// Decryption for confd's cget/cgets/cgetv/cgetvs: values in the crypt project's secconf encoding,
// base64(OpenPGP message(gzip(data))), decrypted with an armored secret keyring that has no
// passphrase (confd passes no prompt). openpgp.js is asynchronous; the template functions are not,
// so a render asks for decryptions like name lookups (lookup.ts) and the renderer calls this between
// passes. Everything read from etcd is bounded before it is decoded.
import { gunzipSync } from 'node:zlib';
import type { PrivateKey } from 'openpgp';

// openpgp.js is ~2.3 MiB of source kept on the heap once loaded, with its compiled code on top
// (docs/memory.md): loaded at the first cget or keyring check, never on a daemon that uses neither.
const openpgp = (): Promise<typeof import('openpgp')> => import('openpgp');

/** A decryption: the plaintext, or why there is none (the template call fails with it). */
export type Decrypted = { readonly value: string } | { readonly error: string };

/** Larger values are refused before decoding; larger plaintexts after gunzip (a gzip bomb). */
const maxValueBytes = 1 << 20;
const maxPlaintextBytes = 16 << 20;
const maxCached = 1024;

let keyring: { text: string; keys: Promise<PrivateKey[]> | undefined } | undefined;
// Decryptions by value, for the current keyring: a watch renders the same secrets on every change.
const cache = new Map<string, Decrypted>();

function useKeyring(text: string): void {
  if (keyring?.text === text) return;
  cache.clear();
  keyring = { text, keys: undefined };
}

function keysOf(text: string): Promise<PrivateKey[]> {
  useKeyring(text);
  const current = keyring as { text: string; keys: Promise<PrivateKey[]> | undefined };
  current.keys ??= openpgp().then(({ readPrivateKeys }) => readPrivateKeys({ armoredKeys: text }));
  return current.keys;
}

/** Go's base64.StdEncoding via NewDecoder: newlines are skipped, padding is required. */
function base64Bytes(value: string): Uint8Array | undefined {
  const body = value.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  return Buffer.from(body, 'base64');
}

async function decryptOnce(value: string, keyringText: string): Promise<Decrypted> {
  if (keyringText === '') return { error: 'no secret keyring: start weft confd with -secret-keyring <armored secret key file> (confd defines cget, cgets, cgetv and cgetvs only then)' };
  if (value.length > maxValueBytes) return { error: `the value is larger than ${maxValueBytes} bytes` };
  const bytes = base64Bytes(value);
  if (bytes === undefined) return { error: 'the value is not base64 (secconf: base64 of an OpenPGP message of gzip data)' };
  let keys: PrivateKey[];
  try {
    keys = await keysOf(keyringText);
  } catch (error) {
    return { error: `the secret keyring cannot be read: ${(error as Error).message}` };
  }
  try {
    const { decrypt, readMessage } = await openpgp();
    const message = await readMessage({ binaryMessage: bytes });
    // openpgp's result type names web-stream-tools types (an optional peer): say what 'binary' gives.
    const { data } = (await decrypt({ message, decryptionKeys: keys, format: 'binary' })) as unknown as { data: Uint8Array };
    return { value: gunzipSync(data, { maxOutputLength: maxPlaintextBytes }).toString('utf8') };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Decrypts one secconf value with the armored keyring; never rejects. */
export async function decryptSecconf(value: string, keyringText: string): Promise<Decrypted> {
  useKeyring(keyringText);
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  const result = await decryptOnce(value, keyringText);
  if (keyring?.text !== keyringText) return result;
  if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
  cache.set(value, result);
  return result;
}

/** Why an armored secret keyring cannot serve cget (read at start, as confd reads the file), or undefined. */
export async function keyringProblem(text: string): Promise<string | undefined> {
  try {
    const keys = await (await openpgp()).readPrivateKeys({ armoredKeys: text });
    if (keys.every((key) => !key.isDecrypted())) return 'its secret keys are protected by a passphrase; confd (and weft) decrypt only with keys that have none';
    return undefined;
  } catch (error) {
    return `not an armored OpenPGP secret keyring: ${(error as Error).message}`;
  }
}
