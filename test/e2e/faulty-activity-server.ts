// An activity server that answers badly on purpose (issue 15), for test/e2e/faulty-replies.test.ts: each attempt's
// `input.mode` picks the fault. A second listener stands for "another host" that a redirect points to.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FaultMode = {
  deepResult: 'deepResult',
  deepFailure: 'deepFailure',
  truncated: 'truncated',
  redirect: 'redirect',
  hugeSlow: 'hugeSlow',
} as const;
export type FaultMode = (typeof FaultMode)[keyof typeof FaultMode];

const nested = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
const HUGE_BYTES = 150 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

export class FaultyActivityServer {
  /** Attempts received, by workflow id. */
  readonly attempts = new Map<string, number>();
  /** Requests that reached the other host (the redirect target): must stay empty. */
  readonly redirectTargetHits: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];
  /** Bytes of the huge body written before the reader hung up, by workflow id. */
  readonly hugeBytesWritten = new Map<string, number>();
  readonly #servers: Server[];

  private constructor(readonly url: string, readonly redirectTargetUrl: string, servers: Server[]) {
    this.#servers = servers;
  }

  static async start(): Promise<FaultyActivityServer> {
    const target = createServer((request, response) => {
      server.redirectTargetHits.push({ url: request.url ?? '', headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"from another host"}');
    });
    const main = createServer((request, response) => void server.#answer(request, response));
    const [targetUrl, mainUrl] = [await listen(target), await listen(main)];
    const server = new FaultyActivityServer(mainUrl, targetUrl, [main, target]);
    return server;
  }

  async close(): Promise<void> {
    for (const server of this.#servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += chunk;
    const task = JSON.parse(body) as { workflowId: string; input: { mode: FaultMode } };
    this.attempts.set(task.workflowId, (this.attempts.get(task.workflowId) ?? 0) + 1);
    const json = { 'content-type': 'application/json' };
    switch (task.input.mode) {
      case 'deepResult':
        return void response.writeHead(200, json).end(`{"result":${nested(100_000)}}`);
      case 'deepFailure':
        return void response.writeHead(500, json).end(`{"type":"Boom","message":"deep details","details":${nested(100_000)}}`);
      case 'truncated':
        return void response.writeHead(200, json).end('{"result":{"charged":4');
      case 'redirect':
        return void response.writeHead(307, { location: `${this.redirectTargetUrl}/stolen` }).end();
      case 'hugeSlow':
        return this.#trickle(task.workflowId, response);
    }
  }

  /** 150 MB of a JSON string, 64 KiB every 5 ms and only as fast as the reader takes it. */
  #trickle(workflowId: string, response: ServerResponse): void {
    let written = 0;
    let closed = false;
    response.on('close', () => { closed = true; });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"result":"');
    const next = () => {
      if (closed) return;
      if (written >= HUGE_BYTES) return void response.end('"}');
      written += CHUNK.length;
      this.hugeBytesWritten.set(workflowId, written);
      if (response.write(CHUNK)) setTimeout(next, 5);
      else response.once('drain', () => setTimeout(next, 5));
    };
    next();
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
