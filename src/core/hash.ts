// A 32-bit hash of a string that every runtime computes alike: Visibility shards and derived span and trace ids.
// Not a secret and not for security.

/**
 * FNV-1a over the UTF-16 code units, then MurmurHash3's finaliser (without it the low bits depend only on the
 * characters' low bits: `job-a`, `job-i`, `job-q`, `job-y` would share a shard of 8). `seed` gives other hashes of
 * the same text. Unsigned.
 */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
