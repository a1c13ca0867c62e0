// Serves a fetch handler (such as serveActivities) from Node's `http` server. Nothing comes from Node, not even its
// types: the few members used are described below, so `duro/client` compiles without @types/node and loads anywhere.

/** The part of Node's `http.IncomingMessage` the adapter reads. */
export interface NodeRequestLike extends AsyncIterable<string | Uint8Array> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** The part of Node's `http.ServerResponse` the adapter writes. */
export interface NodeResponseLike {
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  on(event: 'close', listener: () => void): unknown;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  end(body: Uint8Array | string): unknown;
  destroy(error?: Error): unknown;
}

export type FetchHandler = { fetch(request: Request): Promise<Response> };

/**
 * The request's `signal` aborts when the caller hangs up before the reply (Duro aborts an attempt that timed out
 * or was cancelled), so a handler can stop working on it.
 * @example
 * import { createServer } from 'node:http';
 * createServer(toNodeListener(serveActivities({ activities, secret }))).listen(8788, '127.0.0.1');
 */
export function toNodeListener(handler: FetchHandler): (req: NodeRequestLike, res: NodeResponseLike) => void {
  return (req, res) => {
    const hangUp = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) hangUp.abort(new Error('The client closed the connection before the reply'));
    });
    void (async () => {
      try {
        const method = req.method ?? 'GET';
        const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
        const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
        const response = await handler.fetch(new Request(url, { method, headers: requestHeaders(req), signal: hangUp.signal, ...(body && { body }) }));
        const payload = new Uint8Array(await response.arrayBuffer());
        res.writeHead(response.status, responseHeaders(response.headers));
        res.end(payload);
      } catch (error) {
        if (res.headersSent) return void res.destroy(error as Error);
        res.writeHead(500, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'duro:internal', title: 'Internal error', status: 500, detail: (error as Error).message }));
      }
    })();
  };
}

async function readBody(req: NodeRequestLike): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    chunks.push(bytes);
    length += bytes.length;
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

function requestHeaders(req: NodeRequestLike): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** Node takes repeated headers as arrays; `Object.fromEntries(headers)` would fold `Set-Cookie` into one line. */
function responseHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.fromEntries(headers);
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}
