// HMAC-SHA256 with Web Crypto (Workers, browsers, Node 20, Deno, Bun).
import { constantTimeEqual, utf8 } from './encoding';

const keys = new Map<string, Promise<CryptoKey>>();

function importKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, data: Uint8Array): Promise<Uint8Array> {
  if (!secret) throw new TypeError('An HMAC secret must not be empty');
  const signature = await crypto.subtle.sign('HMAC', await importKey(secret), data);
  return new Uint8Array(signature);
}

export async function verifyHmacSha256(secret: string, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
  return constantTimeEqual(await hmacSha256(secret, data), mac);
}
