// End to end: examples/cloudflare-workflows (a Cloudflare Workflows app, imports and all) under a real `wrangler dev`
// of this repo's Worker (what `npm run dev` serves), driven as its README shows: create an order through the app's
// fetch handler (env.ORDER_WORKFLOW), send the approval event, read the instance's status until it is complete; the
// instance is a Duro workflow too (GET /v1/workflows/<id>).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUTE = '/examples/cloudflare-workflows';

let work: string;
let dev: WranglerDev | undefined;

interface Reply { id: string; details: { status: string; output?: unknown; error?: unknown } }

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'duro-e2e-cf-example-'));
  dev = await WranglerDev.start({ config: join(ROOT, 'wrangler.toml'), port: await freePort(), inspectorPort: await freePort(), persistTo: join(work, 'state'), vars: {} });
}, 90_000);

beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}`)));

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${dev!.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Reads the instance's status until `done` holds; bounded. */
async function statusUntil(id: string, done: (reply: Reply) => boolean): Promise<Reply> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reply = await json<Reply>(`${ROUTE}?instanceId=${encodeURIComponent(id)}`);
    if (done(reply)) return reply;
    if (Date.now() > deadline) throw new Error(`instance ${id} stayed ${JSON.stringify(reply.details)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('examples/cloudflare-workflows under wrangler dev', () => {
  it('creates an order through env.ORDER_WORKFLOW, waits for the approval event, and ships once approved', async () => {
    const created = await json<Reply>(ROUTE, { method: 'POST', body: JSON.stringify({ orderId: 'o-1', amount: 42 }) });
    expect(created.details.status).toBe('waiting');
    await json(`${ROUTE}?instanceId=${encodeURIComponent(created.id)}&approved=true`, { method: 'POST' });
    const done = await statusUntil(created.id, (reply) => reply.details.status !== 'waiting' && reply.details.status !== 'running');
    expect(done.details).toEqual({ status: 'complete', output: { orderId: 'o-1', state: 'shipped', trackingId: 'tr_o-1' } });
    const described = await json<{ workflowType: string; status: string }>(`/v1/workflows/${encodeURIComponent(created.id)}`);
    expect(described).toMatchObject({ workflowType: 'OrderWorkflow', status: 'completed' });
  }, 60_000);
});
