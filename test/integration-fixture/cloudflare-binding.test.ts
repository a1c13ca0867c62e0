// Cloudflare Workflows code on the Durable Object host, in workerd: a class extending the runtime's own
// WorkflowEntrypoint (cloudflare:workers) with NonRetryableError from cloudflare:workflows, registered with
// createDuro({ workflowBindings }) and driven through env.CHECKOUT by the fixture's own fetch routes.
import { abortAllDurableObjects, createExecutionContext, createScheduledController, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../fixtures/integration-worker/worker';
import { describe, expect, it } from 'vitest';
import { createDuro } from 'duro/worker';
import { probe } from '../fixtures/integration-worker/probe';
import { api, executionStub, post, uniqueId } from './helpers';

interface Status {
  status: string;
  output?: Record<string, any>;
  error?: { name: string; message: string };
}

async function status(id: string): Promise<Status> {
  const res = await api(`/checkout/${id}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Status;
}

/** Polls the instance's status until `done` holds, with a deadline (no sleeps). */
async function statusUntil(id: string, done: (status: Status) => boolean): Promise<Status> {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const current = await status(id);
    if (done(current) || Date.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 8_000;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('a Cloudflare Workflow through its binding, on Durable Objects', () => {
  it('runs a class extending cloudflare:workers\' WorkflowEntrypoint: this.env with the bindings, ctx.waitUntil, events', async () => {
    const id = uniqueId('checkout');
    const created = await post('/checkout', { id, params: { orderId: 'o-1' } });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(((await created.json()) as { id: string }).id).toBe(id);
    expect((await statusUntil(id, (s) => s.status === 'waiting')).status).toBe('waiting');
    expect(probe.get(`waitUntil:${id}`)).toBe(true);

    const sent = await post(`/checkout/${id}/event`, { type: 'ship', payload: { by: 'ada' } });
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(await statusUntil(id, (s) => s.status === 'complete')).toEqual({
      status: 'complete',
      output: { charge: { orderId: 'o-1', calls: 1 }, approvedBy: 'ada', env: { hasBinding: true, hasDurableObjects: true }, isRuntimeEntrypoint: true },
    });
    // The Duro API sees the same instance as a workflow id.
    expect((await (await api(`/v1/workflows/${id}`)).json() as { workflowType: string }).workflowType).toBe('CheckoutWorkflow');
  });

  it('answers create, status and sendEvent while a step runs; a crash mid-step runs that step again, never one before it', async () => {
    const id = uniqueId('checkout-crash');
    // The charge's first attempt hangs: create() is answered all the same, the instance running.
    const created = await post('/checkout', { id, params: { orderId: 'o-2', hang: true } });
    expect([created.status, ((await created.json()) as { status: Status }).status.status]).toEqual([201, 'running']);
    await until(() => probe.counter(`charge:${id}`) === 1);
    expect(probe.counter(`charge:${id}`)).toBe(1);
    // The event is recorded while the step runs (its waitForEvent comes later and takes it then).
    const sent = await post(`/checkout/${id}/event`, { type: 'ship', payload: { by: 'grace' } });
    expect([sent.status, ((await sent.json()) as Status).status]).toEqual([200, 'running']);
    await abortAllDurableObjects();

    // The object held a local attempt, so its alarm is near; the platform would run it in a few seconds, the test now.
    // The object loaded again runs the lost attempt again; 'reserve stock', recorded before the crash, is not run again.
    expect(await runDurableObjectAlarm(executionStub(id))).toBe(true);
    const done = await statusUntil(id, (s) => s.status === 'complete');
    expect(done.output).toMatchObject({ charge: { orderId: 'o-2', calls: 2 }, approvedBy: 'grace' });
    expect([probe.counter(`reserve:${id}`), probe.counter(`charge:${id}`), probe.counter(`ship:${id}`)]).toEqual([1, 2, 1]);
  });

  it('a NonRetryableError from cloudflare:workflows ends the step at once and errors the instance', async () => {
    const id = uniqueId('checkout-declined');
    await post('/checkout', { id, params: { orderId: 'o-3', decline: true } });
    expect(await statusUntil(id, (s) => s.status === 'errored')).toEqual({ status: 'errored', error: { name: 'NonRetryableError', message: 'card declined' } });
    expect(probe.counter(`charge:${id}`)).toBe(1);
  });

  it('a NonRetryableError from cloudflare:workflows given a name of its own is not retried either', async () => {
    const id = uniqueId('checkout-declined-named');
    await post('/checkout', { id, params: { orderId: 'o-4', decline: true, declineAs: 'CardDeclined' } });
    expect(await statusUntil(id, (s) => s.status === 'errored')).toEqual({ status: 'errored', error: { name: 'CardDeclined', message: 'card declined' } });
    expect(probe.counter(`charge:${id}`)).toBe(1);
  });

  it('pause, resume, terminate, restart and the binding\'s refusals', async () => {
    const id = uniqueId('checkout-ops');
    await post('/checkout', { id, params: { orderId: 'o-4' } });
    await statusUntil(id, (s) => s.status === 'waiting');
    expect(((await (await post(`/checkout/${id}/pause`, {})).json()) as Status).status).toBe('paused');
    expect(((await (await post(`/checkout/${id}/resume`, {})).json()) as Status).status).toBe('waiting');
    expect(((await (await post(`/checkout/${id}/terminate`, {})).json()) as Status).status).toBe('terminated');
    const again = await post(`/checkout/${id}/terminate`, {});
    expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([409, '(instance.cannot_terminate) Cannot terminate instance since its on a finite state']);

    await post(`/checkout/${id}/restart`, {});
    await statusUntil(id, (s) => s.status === 'waiting');
    expect(probe.counter(`charge:${id}`)).toBe(2);
    await post(`/checkout/${id}/event`, { type: 'ship', payload: { by: 'restart' } });
    expect((await statusUntil(id, (s) => s.status === 'complete')).output).toMatchObject({ charge: { orderId: 'o-4' }, approvedBy: 'restart' });

    const duplicate = await post('/checkout', { id, params: { orderId: 'o-4' } });
    expect([duplicate.status, ((await duplicate.json()) as { error: string }).error]).toEqual([409, '(instance.already_exists) Instance with this id already exists']);
    const unknown = await api(`/checkout/${uniqueId('nobody')}`);
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([409, '(instance.not_found) Instance not found']);
  });

  it('createDuro refuses a binding to a workflow that is not registered', () => {
    expect(() => createDuro({ workflows: {}, workflowBindings: { NOPE: 'Nope' } })).toThrow("workflowBindings.NOPE names 'Nope', which is not a registered workflow");
  });

  it('the app\'s other handlers (scheduled) get the env with the binding', async () => {
    await worker.scheduled!(createScheduledController({ cron: '*/5 * * * *' }), env as never, createExecutionContext());
    expect(probe.get('scheduled:*/5 * * * *')).toBe('function');
  });
});
