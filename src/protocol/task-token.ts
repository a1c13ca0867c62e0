// Task tokens: an HMAC bound to one attempt of one activity. Activity servers use them to heartbeat
// and to complete asynchronously without holding any other credential (DESIGN §4, §6).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding';
import { verifyHmacSha256 } from './hmac';

export interface TaskTokenClaims {
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
}

const VERSION = 'v1';

/**
 * `v1.<base64url(claims)>.<base64url(hmac)>`. Synchronous, so an attempt's token can be made when its activity first
 * asks for it (decision 027): most never do. A JS HMAC keyed once per secret takes a few µs, where Web Crypto's
 * promise took ~35 (verifying stays with Web Crypto, off the hot path).
 */
export function createTaskToken(secret: string, claims: TaskTokenClaims): string {
  const body = toBase64Url(utf8(JSON.stringify([claims.workflowId, claims.runId, claims.activityId, claims.attempt])));
  const mac = keyed(secret).clone().update(utf8(`${VERSION}.${body}`)).digest();
  return `${VERSION}.${body}.${toBase64Url(mac)}`;
}

type KeyedHmac = ReturnType<typeof hmac.create>;
const keyedBySecret = new Map<string, KeyedHmac>();

/** The HMAC with its key applied, cloned for each token: one per secret (a deployment has one or two). */
function keyed(secret: string): KeyedHmac {
  if (!secret) throw new TypeError('An HMAC secret must not be empty');
  let made = keyedBySecret.get(secret);
  if (!made) {
    made = hmac.create(sha256, utf8(secret));
    keyedBySecret.set(secret, made);
  }
  return made;
}

/** The claims of a genuine token, or undefined for anything forged, truncated or malformed. */
export async function verifyTaskToken(secret: string, token: string): Promise<TaskTokenClaims | undefined> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return undefined;
  try {
    const ok = await verifyHmacSha256(secret, utf8(`${VERSION}.${parts[1]}`), fromBase64Url(parts[2]!));
    if (!ok) return undefined;
    const [workflowId, runId, activityId, attempt] = JSON.parse(fromUtf8(fromBase64Url(parts[1]!))) as [string, string, string, number];
    if (typeof workflowId !== 'string' || typeof runId !== 'string' || typeof activityId !== 'string' || !Number.isInteger(attempt)) return undefined;
    return { workflowId, runId, activityId, attempt };
  } catch {
    return undefined;
  }
}
