// Task tokens: an HMAC bound to one attempt of one activity. Activity servers use them to heartbeat
// and to complete asynchronously without holding any other credential (DESIGN §4, §6).
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './encoding';
import { hmacSha256Sync, verifyHmacSha256 } from './hmac';

export interface TaskTokenClaims {
  workflowId: string;
  runId: string;
  activityId: string;
  attempt: number;
}

const VERSION = 'v1';

/**
 * `v1.<base64url(claims)>.<base64url(hmac)>`. Synchronous, so an attempt's token can be made when its activity first
 * asks for it (decision 027): most never do.
 */
export function createTaskToken(secret: string, claims: TaskTokenClaims): string {
  const body = toBase64Url(utf8(JSON.stringify([claims.workflowId, claims.runId, claims.activityId, claims.attempt])));
  const mac = hmacSha256Sync(secret, utf8(`${VERSION}.${body}`));
  return `${VERSION}.${body}.${toBase64Url(mac)}`;
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
