// Stack traces stay in the Worker unless DURO_DEBUG is set: the cleaning function, the switch, and what the API
// answers with and without it (docs/operations.md, Stack traces).
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { isDebugEnabled, withoutStackTraces } from '../../../src/api/stack-traces';
import { ApplicationFailure, defineWorkflow, type ActivityContext } from '../../../src/core';
import { describeRun } from '../../../src/core/internals';
import { createEnvBackend } from './env-backend';
import { workflows } from './fixtures';

const STACK = 'Error: card declined\n    at charge (/app/.wrangler/tmp/bundle/index.js:1:2)';

describe('withoutStackTraces', () => {
  it('drops stack from a failure and every cause, keeping type, message, details, nonRetryable and cause', () => {
    const failure = {
      kind: 'activity', type: 'ActivityFailure', message: 'activity failed', nonRetryable: false, stack: STACK,
      cause: { kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 }, stack: STACK },
    };
    expect(withoutStackTraces(failure, true)).toEqual({
      kind: 'activity', type: 'ActivityFailure', message: 'activity failed', nonRetryable: false,
      cause: { kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } },
    });
    expect(failure.stack).toBe(STACK); // the value given is not changed
  });

  it('finds failures at any depth: problem bodies, pending activities, history events and their causes', () => {
    const body = {
      problem: { type: 'duro:update-rejected', title: 'Update Rejected', status: 400, detail: 'no', failure: { type: 'Negative', message: 'no', stack: STACK } },
      pendingActivities: [{ activityId: '1', lastFailure: { type: 'Flaky', message: 'try again', stack: STACK } }],
      events: [{ eventId: 7, type: 'ActivityTaskFailed', failure: { type: 'Boom', message: 'boom', cause: { type: 'Inner', message: 'inner', stack: STACK }, stack: STACK } }],
    };
    expect(JSON.stringify(withoutStackTraces(body))).not.toContain('stack');
  });

  it("leaves a user's own `stack` fields alone when they are not failures, and returns unchanged values as they were", () => {
    const result = {
      stack: ['a', 'b'], tool: { stack: 'LIFO' }, events: [{ type: 'MarkerRecorded', stack: 'kept' }],
      // A result or a failure's details shaped like a failure are still the caller's data.
      result: { type: 'card', message: 'hi', stack: 'kept' }, failure: { type: 'T', message: 'm', details: { type: 'd', message: 'm', stack: 'kept' } },
    };
    expect(withoutStackTraces(result)).toBe(result);
    expect(JSON.stringify(withoutStackTraces(result)).match(/"stack"/g)).toHaveLength(5);
    expect(withoutStackTraces('text')).toBe('text');
    expect(withoutStackTraces(null)).toBe(null);
  });
});

describe('isDebugEnabled (DURO_DEBUG)', () => {
  it('is on for any non-empty value but "0" and "false"', () => {
    for (const on of ['1', 'true', 'yes', 'on', 'TRUE', true, 1]) expect(isDebugEnabled(on), String(on)).toBe(true);
    for (const off of [undefined, '', ' ', '0', 'false', 'False', false, 0, null]) expect(isDebugEnabled(off), String(off)).toBe(false);
  });
});

/** Fails every attempt, so the activity stays pending with a last failure. */
const stubborn = defineWorkflow('stubborn', async (ctx) => {
  const { refuse } = ctx.proxyActivities<{ refuse(): Promise<void> }>({ startToCloseTimeout: '1m', retry: { initialInterval: '1 day' } });
  await refuse();
});

async function apiWith(debug: boolean) {
  const activities = {
    async refuse(_input: unknown, _ctx: ActivityContext) {
      throw ApplicationFailure.retryable('not today', 'NotToday');
    },
  };
  const { env, backend } = await createEnvBackend({ workflows: { ...workflows, stubborn }, activities });
  const app = createApiApp({ ...backend, ...(debug && { debug }) });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: res.status, text: await res.text() };
  };
  return { env, call };
}

describe('stack traces in API replies', () => {
  for (const debug of [false, true]) {
    const shows = debug ? 'carry' : 'carry no';
    it(`${shows} stack traces ${debug ? 'with' : 'without'} DURO_DEBUG: a validator's 400, a failed run's result and history, a pending activity's last failure`, async () => {
      const { env, call } = await apiWith(debug);
      const expectStacks = (text: string) => (debug ? expect(text).toContain('"stack"') : expect(text).not.toContain('"stack"'));

      expect((await call('POST', '/v1/workflows', { workflowType: 'counter', workflowId: 'c' })).status).toBe(201);
      const rejected = await call('POST', '/v1/workflows/c/updates/setTotal', { args: [-1] });
      expect(rejected.status).toBe(400);
      expect(JSON.parse(rejected.text)).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'NegativeTotal', message: 'total must not be negative (got -1)', nonRetryable: true } });
      expectStacks(rejected.text);

      expect((await call('POST', '/v1/workflows', { workflowType: 'decline', workflowId: 'd' })).status).toBe(201);
      const result = await call('GET', '/v1/workflows/d/result?wait=5s');
      expect(JSON.parse(result.text)).toMatchObject({ status: 'failed', failure: { type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } } });
      expectStacks(result.text);
      const history = await call('GET', '/v1/workflows/d/history');
      expect(history.text).toContain('"PaymentDeclined"');
      expectStacks(history.text);
      // What is stored keeps its stack either way: only the reply leaves it out.
      expect(JSON.stringify(env.history('d'))).toContain('"stack"');

      expect((await call('POST', '/v1/workflows', { workflowType: 'stubborn', workflowId: 's' })).status).toBe(201);
      await env.waitFor(() => describeRun(env.runOf('s').state).pendingActivities[0]?.lastFailure);
      const described = await call('GET', '/v1/workflows/s');
      expect(JSON.parse(described.text).pendingActivities[0].lastFailure).toMatchObject({ type: 'NotToday', message: 'not today', nonRetryable: false });
      expectStacks(described.text);
    });
  }
});
