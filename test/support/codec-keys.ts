// What the encryption-at-rest tests of the test environment and the browser host share: keys as `wrangler secret put`
// would hold them (32 bytes, base64), the marker they look for in raw storage, and the signal that ends their run.
import { defineSignal } from 'duro/workflow';

/** A 32-byte AES key, every byte `fill`, in base64. */
export const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));

/** Put in every payload of the run: found in raw storage only where a row is not sealed. */
export const SECRET = '4242-4242-4242-4242';

export const tell = defineSignal<[text: string]>('tell');
