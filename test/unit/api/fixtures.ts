// Workflows and activities the API tests drive over HTTP, and a small client for the app.
import { ActivityCancellationType, ApplicationFailure, defineQuery, defineSignal, defineUpdate, defineWorkflow, type ActivityContext, type ActivityInfo } from '../../../src/core';
import { createApiApp } from '../../../src/api/app';
import { createEnvBackend } from './env-backend';

export const add = defineSignal<[n: number]>('add');
export const finish = defineSignal('finish');
export const total = defineQuery<number>('total');
export const broken = defineQuery<number>('broken');
export const setTotal = defineUpdate<number, [n: number]>('setTotal');

export const greet = defineWorkflow('greet', async (_ctx, name: string) => `Hello, ${name}!`);

export const nap = defineWorkflow('nap', async (ctx, input: { ms: number }) => {
  await ctx.sleep(input.ms);
  return 'rested';
});

/** Sleeps `steps` times: three events a step, for paging through history. */
export const stepper = defineWorkflow('stepper', async (ctx, steps: number) => {
  for (let i = 0; i < steps; i++) await ctx.sleep('1s');
  return steps;
});

/** Continues as new until `n` reaches 2, sleeping a minute per run. */
export const relay = defineWorkflow('relay', async (ctx, n: number): Promise<number> => {
  await ctx.sleep('1m');
  if (n < 2) return await ctx.continueAsNew(n + 1);
  return n;
});

export const decline = defineWorkflow('decline', async () => {
  throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 });
});

/** Sums `add` signals until `finish`; `setTotal` is validated (no negatives) and fails on 13. */
export const counter = defineWorkflow('counter', async (ctx) => {
  let sum = 0;
  let done = false;
  ctx.setHandler(add, (n) => void (sum += n));
  ctx.setHandler(finish, () => void (done = true));
  ctx.setHandler(total, () => sum);
  ctx.setHandler(broken, () => {
    throw new Error('query handler exploded');
  });
  ctx.setHandler(
    setTotal,
    (n) => {
      if (n === 13) throw ApplicationFailure.nonRetryable('unlucky', 'Unlucky');
      sum = n;
      return sum;
    },
    { validator: (n) => { if (n < 0) throw ApplicationFailure.nonRetryable(`total must not be negative (got ${n})`, 'NegativeTotal'); } },
  );
  await ctx.condition(() => done);
  return sum;
});

/** Asks a human: the activity completes later through POST /v1/activities/complete. */
export function approvalActivities() {
  const started: ActivityInfo[] = [];
  return {
    started,
    activities: {
      async approve(_input: unknown, ctx: ActivityContext) {
        started.push(ctx.info);
        ctx.doNotCompleteOnReturn();
      },
    },
  };
}

export const approval = defineWorkflow('approval', async (ctx, request: { amount: number; waitForCancel?: boolean }) => {
  const { approve } = ctx.proxyActivities<ReturnType<typeof approvalActivities>['activities']>({
    startToCloseTimeout: '1 day',
    retry: { maximumAttempts: 1 },
    cancellationType: request.waitForCancel ? ActivityCancellationType.waitCancellationCompleted : ActivityCancellationType.tryCancel,
  });
  const verdict = await approve(request);
  return { verdict };
});

/** An activity that writes a log line: the run keeps it beside its workflow code's lines. */
export const noteActivities = {
  async note(text: string, ctx: ActivityContext) {
    ctx.log.info('noted', { text });
  },
};

/** Writes log lines (ctx.log): at the start, in its activity, for each `add`, and when `finish` closes it. */
export const chatty = defineWorkflow('chatty', async (ctx) => {
  const { note } = ctx.proxyActivities<typeof noteActivities>({ startToCloseTimeout: '1 minute' });
  let done = false;
  ctx.setHandler(add, (n) => ctx.log.info('added', { n }));
  ctx.setHandler(finish, () => void (done = true));
  ctx.log.info('started', { order: 'o-1', note: 'two words' });
  await note('hi');
  await ctx.condition(() => done);
  ctx.log.warn('finishing');
  return 'done';
});

/** Logs its round, and continues as new until round 2: each run keeps its own lines. */
export const rounds = defineWorkflow('rounds', async (ctx, round: number = 1) => {
  ctx.log.info('round', { round });
  if (round < 2) return ctx.continueAsNew(round + 1);
  return round;
});

export const workflows = { greet, nap, stepper, relay, decline, counter, approval, chatty, rounds };

export interface HttpReply {
  status: number;
  contentType: string | null;
  headers: Headers;
  /** Parsed JSON (any route's shape), or the text when it is not JSON. */
  body: any;
}

/** The API over a fresh environment, and `call(method, path, body?)` that returns the parsed reply. */
export async function setup() {
  const approvals = approvalActivities();
  const { env, backend } = await createEnvBackend({ workflows, activities: { ...approvals.activities, ...noteActivities } });
  const app = createApiApp(backend);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpReply> => {
    const init: RequestInit = { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers } };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.request(path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (e.g. /docs)
    }
    return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, body: parsed };
  };
  const start = async (workflowType: string, extra: Record<string, unknown> = {}) => {
    const reply = await call('POST', '/v1/workflows', { workflowType, ...extra });
    if (reply.status !== 201) throw new Error(`start failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body as { workflowId: string; runId: string };
  };
  return { env, backend, app, call, start, approvals };
}
