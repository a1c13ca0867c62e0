// Serves a fetch handler (such as serveActivities) from Node's `http` server.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type FetchHandler = { fetch(request: Request): Promise<Response> };

/**
 * @example
 * import { createServer } from 'node:http';
 * createServer(toNodeListener(serveActivities({ activities, secret }))).listen(8788, '127.0.0.1');
 */
export function toNodeListener(handler: FetchHandler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      try {
        const chunks: Uint8Array[] = [];
        for await (const chunk of req) chunks.push(chunk as Uint8Array);
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (Array.isArray(value)) for (const item of value) headers.append(name, item);
          else if (value !== undefined) headers.set(name, value);
        }
        const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
        const method = req.method ?? 'GET';
        const body = method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks);
        const response = await handler.fetch(new Request(url, { method, headers, ...(body && { body }) }));
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'duro:internal', title: 'Internal error', status: 500, detail: (error as Error).message }));
      }
    })();
  };
}
