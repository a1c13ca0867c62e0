// An activity endpoint that cannot be reached (a service binding to no Worker, a URL with no server or no DNS name
// behind it): the attempt fails retryably saying what to check, and the log says so once, not once per attempt.
import { ApplicationFailure } from '../src/core/failure';
import { readReplyBody } from '../src/protocol/reply-body';

/** The failure type of such an attempt (docs/activities.md, The reply). */
export const ENDPOINT_UNREACHABLE = 'ActivityEndpointUnreachable';

/** How an endpoint is named when it cannot be reached, and what to check then. */
export interface EndpointLabel {
  /** e.g. `service binding DURO_SELF`, `URL https://payments.example.com/duro`. */
  name: string;
  /** e.g. `Check the [[services]] binding DURO_SELF in wrangler.toml.` */
  remedy: string;
}

/** Statuses Cloudflare's edge answers a fetch with when it cannot reach the origin of a URL. */
const ORIGIN_UNREACHABLE: Readonly<Record<number, string>> = {
  521: 'the server refused the connection',
  522: 'the connection timed out',
  523: 'the origin is unreachable',
  525: 'the TLS handshake failed',
  526: 'the TLS certificate is invalid',
  530: 'the host name could not be resolved',
};

/**
 * Why a reply shows that the request reached no activity server; undefined when it did. Duro's own activity
 * server (a trusted endpoint) answers everything in JSON, so any other error reply came from whatever the binding
 * leads to instead: wrangler dev answers `503 Worker "my-app" not found` for a service that is not running.
 */
export async function notReachedBy(endpoint: { trusted?: boolean }, response: Response): Promise<string | undefined> {
  if (response.ok) return undefined;
  if (endpoint.trusted) {
    if (/\bjson\b/i.test(response.headers.get('content-type') ?? '')) return undefined;
    const body = await readReplyBody(response, 64 * 1024); // only its start is shown
    const text = ('text' in body ? body.text : '').trim().slice(0, 200);
    return `it answered ${response.status}${text ? ` "${text}"` : ''}, not as this Worker's activity server would`;
  }
  const meaning = ORIGIN_UNREACHABLE[response.status];
  return meaning && `Cloudflare answered ${response.status}: ${meaning}`;
}

/** An error's message with its causes' (Node's fetch says only "fetch failed"; its cause says ECONNREFUSED). */
export function causeOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const text = (current instanceof Error ? current.message : String(current)).replace(/\.+$/, '');
    if (text && !parts.includes(text)) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'no reply';
}

/**
 * What this isolate has logged, as `taskQueue \n cause`. Many workflow objects share an isolate and each retries
 * its own activities, so the dedupe is the isolate's, not one dispatcher's. Bounded, in case causes keep changing.
 */
const logged = new Set<string>();
const MAX_LOGGED = 256;

/**
 * The retryable failure of an attempt that reached no activity server, logged once per task queue and cause in
 * this isolate. Retryable: a deploy that fixes the binding, or a server that comes back, lets the next one through.
 */
export function unreachableEndpoint(taskQueue: string, endpoint: EndpointLabel, cause: string): ApplicationFailure {
  const message = `Task queue '${taskQueue}' cannot reach its activity endpoint (${endpoint.name}): ${cause}. ${endpoint.remedy}`;
  // workerd reports a failed DNS lookup as "internal error; reference = <a new id each time>".
  const key = `${taskQueue}\n${cause.replace(/reference = \w+/g, 'reference')}`;
  if (!logged.has(key)) {
    if (logged.size >= MAX_LOGGED) logged.clear();
    logged.add(key);
    console.error(`duro: ${message} Its activities are retried until it answers; this is logged once per task queue and cause.`);
  }
  return ApplicationFailure.retryable(message, ENDPOINT_UNREACHABLE);
}
