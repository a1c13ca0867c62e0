// The `Duro-Signature` header: HMAC-SHA256 over the timestamp and the exact request body, so an
// activity server can tell a request came from its Duro deployment and was not replayed much later.
import { fromBase64Url, toBase64Url, utf8 } from './encoding';
import { hmacSha256, verifyHmacSha256 } from './hmac';

export const SIGNATURE_HEADER = 'Duro-Signature';
/** Requests older than this are refused, bounding replays of a captured request. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** `t=<unix ms>,v1=<base64url(hmac(t + "." + body))>` */
export async function signBody(secret: string, body: string, now = Date.now()): Promise<string> {
  const mac = await hmacSha256(secret, utf8(`${now}.${body}`));
  return `t=${now},v1=${toBase64Url(mac)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export async function verifyBodySignature(secret: string, body: string, header: string | null, now = Date.now()): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  const fields = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const timestamp = Number(fields.get('t'));
  const mac = fields.get('v1');
  if (!Number.isFinite(timestamp) || !mac) return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header` };
  if (Math.abs(now - timestamp) > SIGNATURE_TOLERANCE_MS) return { ok: false, reason: 'signature timestamp outside the tolerance window' };
  try {
    if (await verifyHmacSha256(secret, utf8(`${timestamp}.${body}`), fromBase64Url(mac))) return { ok: true };
  } catch {
    // malformed base64: fall through
  }
  return { ok: false, reason: 'signature does not match' };
}
