// End to end: a real `wrangler dev` running Duro, a Node activity server, and SIGKILL of the whole wrangler process
// group in the middle of the work. After a restart on the same persisted state, workflows finish, every activity
// side effect is applied exactly once (deduplicated by the Idempotency-Key), and no acknowledged signal is lost or doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActivityServer } from './activity-server';
import { freePort, processGroup, WranglerDev, type WranglerOptions } from './wrangler-dev';

const SECRET = 'e2e-activity-secret';
/** Every wait in these tests ends by this long at the latest. */
const RESULT_DEADLINE_MS = 60_000;

let activities: ActivityServer;
let options: WranglerOptions;
let dev: WranglerDev | undefined;
let persistTo: string;

beforeAll(async () => {
  activities = await ActivityServer.start(SECRET);
  persistTo = mkdtempSync(join(tmpdir(), 'duro-e2e-'));
  const port = await freePort();
  options = {
    port,
    inspectorPort: await freePort(),
    persistTo,
    vars: { NODE_ACTIVITY_URL: activities.url, DURO_ACTIVITY_SECRET: SECRET, DURO_PUBLIC_URL: `http://127.0.0.1:${port}` },
  };
  dev = await WranglerDev.start(options);
});

// A test that failed between kill and restart leaves no server: the next one starts it again.
beforeEach(async () => {
  dev ??= await WranglerDev.start(options);
});

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  await activities?.close();
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

/** SIGKILLs wrangler's process group mid-work and checks that nothing of it, workerd above all, survived. */
async function crash(): Promise<number> {
  const running = dev!;
  expect(processGroup(running.pid).map((member) => member.command)).toContain('workerd');
  dev = undefined;
  await running.kill();
  expect(processGroup(running.pid)).toEqual([]);
  return Date.now();
}

async function restart(): Promise<void> {
  dev = await WranglerDev.start(options);
}

function url(path: string): string {
  return `http://127.0.0.1:${options.port}${path}`;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url(path), {
    method,
    signal: AbortSignal.timeout(30_000),
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function startWorkflow(workflowType: string, workflowId: string, input?: unknown): Promise<{ workflowId: string; runId: string }> {
  const started = await call('POST', '/v1/workflows', { workflowType, workflowId, ...(input !== undefined && { input }) });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body;
}

/** Long-polls the result until the workflow closes; transport errors (a restarting server) are tried again. */
async function resultOf(workflowId: string): Promise<unknown> {
  const deadline = Date.now() + RESULT_DEADLINE_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const reply = await call('GET', `/v1/workflows/${workflowId}/result?wait=10s`);
      if (reply.status === 200) return reply.body;
      last = `${reply.status} ${JSON.stringify(reply.body)}`;
    } catch (error) {
      last = String(error);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const described = await call('GET', `/v1/workflows/${workflowId}`).catch((error: unknown) => ({ body: String(error) }));
  throw new Error(`${workflowId} did not close within ${RESULT_DEADLINE_MS} ms (last: ${last}); now: ${JSON.stringify(described.body)}\n${dev?.logTail() ?? ''}`);
}

interface Event {
  eventId: number;
  type: string;
  timestamp: number;
  [field: string]: any;
}

/** The whole history, a page at a time. */
async function historyOf(workflowId: string, pageSize = 250): Promise<Event[]> {
  const events: Event[] = [];
  for (let after = 0; ;) {
    const page = await call('GET', `/v1/workflows/${workflowId}/history?after=${after}&limit=${pageSize}`);
    expect(page.status).toBe(200);
    if (page.body.events.length === 0) return events;
    events.push(...page.body.events);
    after = page.body.nextEventId - 1;
  }
}

async function within<T>(timeoutMs: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${dev?.logTail() ?? ''}`)), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = RESULT_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('crash and restart of wrangler dev', () => {
  it('finishes workflows killed mid-activity and mid-timer, retrying the lost attempt with no request, each side effect applied once', async () => {
    const suffix = Date.now().toString(36);
    const aId = `pipeline-a-${suffix}`;
    const bId = `pipeline-b-${suffix}`;
    // Killed while A's third activity is in flight (two completed) and B sleeps on a 4 s timer between its two.
    const aThirdArrived = activities.arrival((info, input) => info.workflowId === aId && input.step === 3);
    const a = await startWorkflow('pipeline', aId, { steps: 5, timerMs: 500 });
    const b = await startWorkflow('pipeline', bId, { steps: 2, timerMs: 4_000 });
    await aThirdArrived;
    const killedAt = await crash();
    const aThirdRetried = activities.arrival((info, input) => info.workflowId === aId && input.step === 3 && info.attempt > 1);
    await restart();
    // Nobody asks about A: an alarm alone must start its object again, which fails the lost attempt and retries it
    // well before the attempt's 1 minute start-to-close timeout.
    await within(20_000, aThirdRetried, 'the retry of the attempt lost in the crash, with no request to its workflow');

    expect(await resultOf(aId)).toEqual({ status: 'completed', result: { applied: [1, 2, 3, 4, 5] } });
    const bAskedAt = Date.now(); // nothing asked about B since the restart: its alarm alone must wake it
    expect(await resultOf(bId)).toEqual({ status: 'completed', result: { applied: [1, 2] } });

    // Every activity reached the server with its idempotency key; each effect was applied once, retries deduplicated.
    const keysOf = (run: { workflowId: string; runId: string }) => [...activities.ledger.keys()].filter((key) => key.startsWith(`${run.workflowId}:${run.runId}:`));
    expect(keysOf(a)).toHaveLength(5);
    expect(keysOf(b)).toHaveLength(2);
    for (const key of [...keysOf(a), ...keysOf(b)]) expect(activities.keysSeen).toContain(key);
    expect(new Set(activities.keysSeen)).toEqual(new Set(activities.ledger.keys()));
    for (const [effect, count] of activities.appliedCount) expect(count, effect).toBe(1);
    expect([...activities.appliedCount.keys()].sort()).toEqual([...[1, 2, 3, 4, 5].map((step) => `${aId}#${step}`), `${bId}#1`, `${bId}#2`].sort());

    // The attempt in flight at the crash was lost and tried again under the same key.
    const aHistory = await historyOf(aId);
    const third = aHistory.find((event) => event.type === 'ActivityTaskScheduled' && event.input?.step === 3)!;
    const thirdKey = `${aId}:${a.runId}:${third.activityId}`;
    expect(activities.ledger.get(thirdKey)!.requests).toBeGreaterThanOrEqual(2);
    const thirdDone = aHistory.find((event) => event.type === 'ActivityTaskCompleted' && event.activityId === third.activityId)!;
    expect(thirdDone.attempt).toBeGreaterThanOrEqual(2);
    expect(aHistory.filter((event) => event.type === 'ActivityTaskCompleted')).toHaveLength(5);

    // B slept through the crash: its timer, due after the kill, fired on its own (the alarm outlived the process),
    // not before it was due, and before anyone asked about B.
    const bHistory = await historyOf(bId);
    const timer = bHistory.find((event) => event.type === 'TimerStarted')!;
    expect(timer.timestamp).toBeLessThan(killedAt);
    expect(timer.fireAt).toBeGreaterThan(killedAt);
    const fired = bHistory.find((event) => event.type === 'TimerFired' && event.timerId === timer.timerId)!;
    expect(fired.timestamp).toBeGreaterThanOrEqual(timer.fireAt);
    expect(fired.timestamp).toBeLessThan(bAskedAt);
    expect(bHistory.filter((event) => event.type === 'ActivityTaskCompleted')).toHaveLength(2);
  });

  it('keeps an attempt accepted with 202 across the crash: the late completion still completes it', async () => {
    const workflowId = `approval-${Date.now().toString(36)}`;
    const { runId } = await startWorkflow('approval', workflowId, { request: 'budget' });
    await waitFor(() => activities.approvals.some((approval) => approval.key.startsWith(`${workflowId}:${runId}:`)), 'the approval activity');
    const { key, taskToken } = activities.approvals.find((approval) => approval.key.startsWith(`${workflowId}:${runId}:`))!;
    await activities.replied(key, 202);
    // A heartbeat after the 202 reached Duro: the object has recorded that the attempt completes later.
    expect(await call('POST', '/v1/activities/heartbeat', { taskToken, details: 'waiting for a human' })).toEqual({ status: 200, body: { cancelRequested: false } });

    await crash();
    await restart();

    expect(await call('POST', '/v1/activities/complete', { taskToken, result: 'approved' })).toEqual({ status: 200, body: {} });
    expect(await resultOf(workflowId)).toEqual({ status: 'completed', result: { verdict: 'approved' } });
    const completed = (await historyOf(workflowId)).filter((event) => event.type === 'ActivityTaskCompleted');
    expect(completed).toEqual([expect.objectContaining({ attempt: 1, result: 'approved' })]);
    expect(activities.keysSeen.filter((seen) => seen === key)).toHaveLength(1); // never sent again
  });

  it('records every acknowledged signal exactly once when the server is killed during a storm of 1000 signals', async () => {
    const workflowId = `counter-${Date.now().toString(36)}`;
    await startWorkflow('counter', workflowId);
    const total = 1_000;
    const clients = 16;
    const acknowledged = new Set<string>();
    const tries = new Map<string, number>();
    const deadline = Date.now() + 90_000;

    class Refused extends Error {}
    const send = async (requestId: string): Promise<void> => {
      for (;;) {
        if (Date.now() > deadline) throw new Error(`signal ${requestId} was not acknowledged in time`);
        tries.set(requestId, (tries.get(requestId) ?? 0) + 1);
        try {
          const reply = await call('POST', `/v1/workflows/${workflowId}/signals/increment`, { args: [1], requestId });
          if (reply.status === 202) return void acknowledged.add(requestId);
          if (reply.status < 500) throw new Refused(`signal ${requestId}: ${reply.status} ${JSON.stringify(reply.body)}`);
        } catch (error) {
          if (error instanceof Refused) throw error;
          // connection refused or reset while wrangler is down: same requestId again
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const storm = Promise.all(Array.from({ length: clients }, async (_, client) => {
      for (let n = client; n < total; n += clients) await send(`req-${n}`);
    }));
    storm.catch(() => undefined); // awaited below; the kill must not wait for it

    await waitFor(() => acknowledged.size >= total * 0.4, '400 acknowledged signals');
    await crash();
    await restart();
    await storm;

    expect(acknowledged.size).toBe(total);
    expect([...tries.values()].some((count) => count > 1)).toBe(true); // the crash did hit signals in flight

    const recorded = new Map<string, number>();
    for (const event of await historyOf(workflowId, 400)) {
      if (event.type === 'SignalReceived') recorded.set(event.requestId, (recorded.get(event.requestId) ?? 0) + 1);
    }
    for (const requestId of acknowledged) expect(recorded.get(requestId), requestId).toBe(1);
    expect([...recorded].filter(([, count]) => count > 1)).toEqual([]);
    const query = await call('POST', `/v1/workflows/${workflowId}/queries/count`, { args: [] });
    expect(query).toEqual({ status: 200, body: { result: recorded.size } });
    expect(recorded.size).toBe(total);
  });
});
