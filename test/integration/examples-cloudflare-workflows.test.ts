// The Cloudflare Workflows example app (examples/cloudflare-workflows) in this repo's Worker, in workerd: created,
// approved or left to time out, and read back through its own routes, as on Cloudflare; the instance is a Duro workflow.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const app = (query = '', init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test/examples/cloudflare-workflows${query}`, init));
const json = async <T = any>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

interface Answer {
  id: string;
  details: { status: string; output?: Record<string, unknown>; error?: { name: string; message: string } };
}

/** Polls the instance's status until `done` holds, for at most `ms`. */
async function statusUntil(id: string, done: (answer: Answer) => boolean, ms = 12_000): Promise<Answer> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await json<Answer>(app(`?instanceId=${id}`));
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const create = (order: Record<string, unknown>) => json<Answer>(app('', { method: 'POST', body: JSON.stringify(order) }));

describe('the Cloudflare Workflows example app', () => {
  it('charges, waits for the approval event, sleeps and ships', async () => {
    const created = await create({ orderId: 'cf-1', amount: 42 });
    expect(created.details.status).toBe('waiting');
    const approved = await json<Answer>(app(`?instanceId=${created.id}&approved=true`, { method: 'POST' }));
    expect(approved.details.status).toBe('waiting'); // the courier's 2-second sleep
    expect((await statusUntil(created.id, (a) => a.details.status === 'complete')).details).toEqual({
      status: 'complete',
      output: { orderId: 'cf-1', state: 'shipped', trackingId: 'tr_cf-1' },
    });
    const description = await json<{ workflowType: string; status: string }>(exports.default.fetch(new Request(`http://duro.test/v1/workflows/${created.id}`)));
    expect(description).toMatchObject({ workflowType: 'OrderWorkflow', status: 'completed' });
  }, 20_000);

  it('refunds when nobody approves in time, and errors at once on an invalid amount', async () => {
    const unanswered = await create({ orderId: 'cf-2', amount: 5, approvalTimeout: '1 second' });
    expect((await statusUntil(unanswered.id, (a) => a.details.status === 'complete')).details.output).toEqual({ orderId: 'cf-2', state: 'refunded' });
    const invalid = await create({ orderId: 'cf-3', amount: -1 });
    expect((await statusUntil(invalid.id, (a) => a.details.status === 'errored')).details).toEqual({
      status: 'errored',
      error: { name: 'NonRetryableError', message: 'order cf-3 has an invalid amount: -1' },
    });
  });

  it('leaves Duro\'s own routes to Duro', async () => {
    expect((await exports.default.fetch(new Request('http://duro.test/healthz'))).status).toBe(200);
    expect((await app('', { method: 'GET' })).status).toBe(404);
  });
});
