// Reads a reply body with a cap (Limits.maxReplyBodyBytes): past it the read stops and the stream is cancelled, so a
// 150 MB reply costs at most the cap in memory and transfer (activity-reply.test.ts).
import { Limits } from '../core/limits';

export type ReplyBody = { text: string } | { tooLargeAfterBytes: number };

/** One decoder for every reply: a whole-buffer `decode` keeps no state between calls. */
const UTF8 = new TextDecoder();

/** The body as text, or how many bytes were read when it passed `maxBytes` (then it is cancelled, never read whole). */
export async function readReplyBody(response: Response, maxBytes: number = Limits.maxReplyBodyBytes): Promise<ReplyBody> {
  if (response.body === null) return { text: '' };
  const declared = Number(response.headers.get('content-length') ?? '');
  if (declared > maxBytes) {
    cancelQuietly(response.body.cancel('reply body over the limit'));
    return { tooLargeAfterBytes: 0 };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      // Not awaited: a server that trickles its body must not hold the attempt once it is decided.
      cancelQuietly(reader.cancel('reply body over the limit'));
      return { tooLargeAfterBytes: bytes };
    }
    chunks.push(value);
  }
  // Most replies are one chunk: decoded where it lies, not copied first.
  if (chunks.length === 1) return { text: UTF8.decode(chunks[0]) };
  const all = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { text: UTF8.decode(all) };
}

/** Drops a body nobody reads (a 202's, a redirect's), so its connection is released. */
export function discardBody(response: Response): void {
  if (response.body && !response.bodyUsed) cancelQuietly(response.body.cancel());
}

function cancelQuietly(cancelled: Promise<void>): void {
  cancelled.catch(() => undefined);
}
