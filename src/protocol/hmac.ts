// HMAC-SHA256: with Web Crypto for bodies of any size (Workers, browsers, Node 20, Deno, Bun), and synchronously in JS
// for short texts made on a hot path (task tokens, decision 027).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
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
  checkSecret(secret);
  const signature = await crypto.subtle.sign('HMAC', await importKey(secret), data);
  return new Uint8Array(signature);
}

export async function verifyHmacSha256(secret: string, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
  return constantTimeEqual(await hmacSha256(secret, data), mac);
}

type KeyedHmac = ReturnType<typeof hmac.create>;
const keyedBySecret = new Map<string, KeyedHmac>();

/**
 * The same MAC, synchronously: a JS HMAC keyed once per secret (a deployment has one or two) and cloned per text, a few
 * µs for a short text where Web Crypto's promise takes ~35. Not for bodies: native hashing is faster on megabytes.
 */
export function hmacSha256Sync(secret: string, data: Uint8Array): Uint8Array {
  checkSecret(secret);
  let keyed = keyedBySecret.get(secret);
  if (!keyed) {
    keyed = hmac.create(sha256, utf8(secret));
    keyedBySecret.set(secret, keyed);
  }
  return keyed.clone().update(data).digest();
}

function checkSecret(secret: string): void {
  if (!secret) throw new TypeError('An HMAC secret must not be empty');
}
