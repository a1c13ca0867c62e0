// End to end: the REST API of docs/api.md against a real `wrangler dev` with auth on, through raw HTTP and
// through DuroClient. Every route's lifecycle, then a matrix of bad input, each case checking that nothing changed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DuroApiError, DuroClient, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateRejectedError,
} from 'duro/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiAddItem, apiEcho, apiEntity, apiFinish, apiItems, apiSetLimit } from '../fixtures/e2e-worker/api-workflows';
import { ApiHttp, asciiJson, asciiPayload, encodedSize, expectProblem, expectSameText, type Reply, type RunSnapshot } from './api-http';
import { freePort, WranglerDev } from './wrangler-dev';

const TOKEN = 'e2e-token';
/** The payload limit of API.md, counted as the server does: UTF-8 bytes of the JSON encoding (src/core/payload.ts). */
const PAYLOAD_LIMIT = 2 * 1024 * 1024;

let dev: WranglerDev | undefined;
let persistTo: string;
let api: ApiHttp;
let client: DuroClient;

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), 'duro-e2e-api-'));
  const port = await freePort();
  dev = await WranglerDev.start({
    port,
    inspectorPort: await freePort(),
    persistTo,
    // Auth on, so every request but /healthz must carry the token. No workflow here runs activities on the node queue.
    vars: { DURO_API_TOKEN: TOKEN, DURO_ACTIVITY_SECRET: 'e2e-api-activity-secret', DURO_PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_ACTIVITY_URL: 'http://127.0.0.1:9' },
  });
  api = new ApiHttp(dev.url, TOKEN);
  client = new DuroClient({ baseUrl: dev.url, token: TOKEN, resultPollWait: '10s' });
}, 90_000);

// What wrangler printed is the first thing to read when a request failed on the server's side.
beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}`)));

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

let idCount = 0;
/** A workflow id no other test uses. */
const fresh = (prefix: string) => `${prefix}-${++idCount}-${Date.now().toString(36)}`;
const path = (workflowId: string, suffix = '') => `/v1/workflows/${encodeURIComponent(workflowId)}${suffix}`;

describe('workflow lifecycle over HTTP', () => {
  it('starts a workflow with 201 {workflowId, runId} and describes it', async () => {
    const workflowId = fresh('entity');
    const started = await api.call('POST', '/v1/workflows', {
      workflowType: 'apiEntity', workflowId, memo: { owner: 'e2e' }, searchAttributes: { customerId: 'c-42' },
    });
    expect(started.status, started.text).toBe(201);
    expect(started.headers.get('content-type')).toMatch(/^application\/json/);
    expect(started.body).toEqual({ workflowId, runId: expect.any(String) });

    const described = await api.describe(workflowId);
    expect(described.status, described.text).toBe(200);
    expect(described.body).toMatchObject({
      workflowId, runId: started.body.runId, workflowType: 'apiEntity', status: 'running', startTime: expect.any(Number),
      historyLength: expect.any(Number), pendingActivities: [], pendingChildren: [], memo: { owner: 'e2e' }, searchAttributes: { customerId: 'c-42' },
    });
    expect(described.body.pendingTimers).toEqual([{ timerId: expect.any(String), fireAt: expect.any(Number) }]);
    expect(described.body.historyLength).toBe((await api.historyOf(workflowId)).length);
    expect(described.body.closeTime).toBeUndefined();
    // The run id selects that run.
    expect((await api.describe(workflowId, started.body.runId)).body.runId).toBe(started.body.runId);
  });

  it('gives a started workflow a random id when none is sent, and takes ids that need escaping in a path', async () => {
    const anonymous = await api.call('POST', '/v1/workflows', { workflowType: 'apiEcho', input: 1 });
    expect(anonymous.status, anonymous.text).toBe(201);
    expect(anonymous.body.workflowId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await api.resultOf(anonymous.body.workflowId)).toEqual({ status: 'completed', result: 1 });

    const odd = `order 42/é?#%"😀-${Date.now()}`;
    const started = await api.start('apiEcho', odd, 'odd');
    expect(started.workflowId).toBe(odd);
    expect(await api.resultOf(odd)).toEqual({ status: 'completed', result: 'odd' });
    expect((await api.describe(odd)).body).toMatchObject({ workflowId: odd, status: 'completed' });
  });

  it('long-polls the result: 202 {status:"running"} when the wait ends first, then 200 with the result', async () => {
    const workflowId = fresh('sleeper');
    const { runId } = await api.start('apiSleeper', workflowId, { ms: 1_500 });
    const askedAt = Date.now();
    const early = await api.call('GET', path(workflowId, '/result?wait=300ms'));
    expect(early.status, early.text).toBe(202);
    expect(early.body).toEqual({ status: 'running' });
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(250); // it did wait
    expect(early.headers.get('duro-run-id')).toBe(runId);

    const noWait = await api.call('GET', path(workflowId, '/result'));
    expect(noWait.status, noWait.text).toBe(202);

    const done = await api.call('GET', path(workflowId, '/result?wait=20s'));
    expect(done.status, done.text).toBe(200);
    expect(done.body).toEqual({ status: 'completed', result: { sleptMs: 1_500 } });
    expect(done.headers.get('duro-run-id')).toBe(runId);
    expect((await api.describe(workflowId)).body).toMatchObject({ status: 'completed', closeTime: expect.any(Number) });
  });

  it('pages through history with after and limit, nextEventId pointing past the page', async () => {
    const workflowId = fresh('entity');
    await api.start('apiEntity', workflowId);
    for (const item of ['a', 'b', 'c']) expect((await api.call('POST', path(workflowId, '/signals/apiAddItem'), { args: [item] })).status).toBe(202);
    const all = await api.historyOf(workflowId);
    expect(all.length).toBeGreaterThanOrEqual(6);
    expect(all.map((event) => event.eventId)).toEqual(all.map((_, index) => index + 1));
    expect(all[0]).toMatchObject({ eventId: 1, type: 'WorkflowExecutionStarted', timestamp: expect.any(Number) });

    const paged = [];
    for (let after = 0; ;) {
      const page = await api.call('GET', path(workflowId, `/history?after=${after}&limit=2`));
      expect(page.status, page.text).toBe(200);
      if (page.body.events.length === 0) break;
      expect(page.body.events.length).toBeLessThanOrEqual(2);
      expect(page.body.events[0].eventId).toBe(after + 1);
      expect(page.body.nextEventId).toBe(page.body.events.at(-1).eventId + 1);
      paged.push(...page.body.events);
      after = page.body.nextEventId - 1;
    }
    expect(paged).toEqual(all);

    const tail = await api.call('GET', path(workflowId, `/history?after=${all.length - 1}`));
    expect(tail.body).toEqual({ events: [all.at(-1)], nextEventId: all.length + 1 });
    const beyond = await api.call('GET', path(workflowId, `/history?after=${all.length + 5}&limit=10`));
    expect(beyond.status).toBe(200);
    expect(beyond.body.events).toEqual([]);
  });

  it('answers a signal with 202 and records it once per requestId', async () => {
    const workflowId = fresh('entity');
    await api.start('apiEntity', workflowId);
    const first = await api.call('POST', path(workflowId, '/signals/apiAddItem'), { args: ['once'], requestId: 'req-1' });
    expect(first.status, first.text).toBe(202);
    expect(first.body).toEqual({});
    const again = await api.call('POST', path(workflowId, '/signals/apiAddItem'), { args: ['once'], requestId: 'req-1' });
    expect(again.status, again.text).toBe(202);
    // A single value is one argument.
    expect((await api.call('POST', path(workflowId, '/signals/apiAddItem'), { args: 'single', requestId: 'req-2' })).status).toBe(202);

    const signals = (await api.historyOf(workflowId)).filter((event) => event.type === 'SignalReceived');
    expect(signals).toEqual([
      expect.objectContaining({ signalName: 'apiAddItem', args: ['once'], requestId: 'req-1' }),
      expect.objectContaining({ signalName: 'apiAddItem', args: ['single'], requestId: 'req-2' }),
    ]);
    const query = await api.call('POST', path(workflowId, '/queries/apiItems'), {});
    expect(query.status, query.text).toBe(200);
    expect(query.body).toEqual({ result: ['once', 'single'] });
  });

  it('runs an update waiting for acceptance or completion, once per updateId, and refuses what the validator rejects', async () => {
    const workflowId = fresh('entity');
    await api.start('apiEntity', workflowId);
    // The handler sleeps 1 s first: waiting for acceptance answers before it has an outcome.
    const accepted = await api.call('POST', path(workflowId, '/updates/apiSetLimit'), { args: [5, 1_000], updateId: 'upd-1', wait: 'accepted' });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toEqual({ updateId: 'upd-1' });

    const completed = await api.call('POST', path(workflowId, '/updates/apiSetLimit'), { args: [5, 1_000], updateId: 'upd-1', wait: 'completed' });
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body).toEqual({ updateId: 'upd-1', outcome: { result: 0 } });
    const repeated = await api.call('POST', path(workflowId, '/updates/apiSetLimit'), { args: [5, 1_000], updateId: 'upd-1' });
    expect(repeated.body).toEqual({ updateId: 'upd-1', outcome: { result: 0 } });

    const next = await api.call('POST', path(workflowId, '/updates/apiSetLimit'), { args: [8] });
    expect(next.status, next.text).toBe(200);
    expect(next.body).toEqual({ updateId: expect.any(String), outcome: { result: 5 } });

    const before = await api.snapshot(workflowId);
    const rejected = await api.call('POST', path(workflowId, '/updates/apiSetLimit'), { args: [-1], updateId: 'upd-bad' });
    expectProblem(rejected, 400, 'duro:update-rejected');
    expect(JSON.stringify(rejected.body)).toContain('limit must be a non-negative integer');
    expect(await api.snapshot(workflowId)).toEqual(before);

    const history = await api.historyOf(workflowId);
    expect(history.filter((event) => event.type === 'UpdateAccepted').map((event) => event.updateId)).toEqual(['upd-1', next.body.updateId]);
    expect(history.filter((event) => event.type === 'UpdateCompleted' && event.updateId === 'upd-1')).toHaveLength(1);
    expect((await api.call('POST', path(workflowId, '/queries/apiItems'), { args: [] })).body).toEqual({ result: [] });
  });

  it('cancels a run: 202, then it ends canceled', async () => {
    const workflowId = fresh('entity');
    await api.start('apiEntity', workflowId);
    const cancel = await api.call('POST', path(workflowId, '/cancel'), { reason: 'no longer needed' });
    expect(cancel.status, cancel.text).toBe(202);
    expect(cancel.body).toEqual({});
    expect(await api.resultOf(workflowId)).toEqual({ status: 'canceled', failure: expect.objectContaining({ type: expect.any(String), message: expect.any(String) }) });
    expect((await api.describe(workflowId)).body.status).toBe('canceled');
    expect((await api.historyOf(workflowId)).map((event) => event.type)).toContain('WorkflowExecutionCancelRequested');
  });

  it('terminates a run: 202, then it ends terminated with the reason', async () => {
    const workflowId = fresh('entity');
    await api.start('apiEntity', workflowId);
    const terminate = await api.call('POST', path(workflowId, '/terminate'), { reason: 'e2e says stop' });
    expect(terminate.status, terminate.text).toBe(202);
    expect(await api.resultOf(workflowId)).toEqual({ status: 'terminated', failure: expect.objectContaining({ message: expect.any(String) }) });
    expect((await api.historyOf(workflowId)).at(-1)).toMatchObject({ type: 'WorkflowExecutionTerminated', reason: 'e2e says stop' });
    expect((await api.describe(workflowId)).body).toMatchObject({ status: 'terminated', closeTime: expect.any(Number) });
  });

  it('pauses a run (no timer fires, signals still recorded) and unpauses it (the overdue timer fires at once)', async () => {
    const workflowId = fresh('sleeper');
    await api.start('apiSleeper', workflowId, { ms: 1_000 });
    const pause = await api.call('POST', path(workflowId, '/pause'), { reason: 'maintenance' });
    expect(pause.status, pause.text).toBe(202);
    expect((await api.describe(workflowId)).body).toMatchObject({ status: 'running', paused: true });

    expect((await api.call('POST', path(workflowId, '/signals/whileParked'), { args: [1] })).status).toBe(202);
    // The 1 s timer comes due during this wait, and must not fire.
    const waited = await api.call('GET', path(workflowId, '/result?wait=2s'));
    expect(waited.status, waited.text).toBe(202);
    const history = await api.historyOf(workflowId);
    expect(history.map((event) => event.type)).not.toContain('TimerFired');
    expect(history.filter((event) => event.type === 'SignalReceived')).toEqual([expect.objectContaining({ signalName: 'whileParked', args: [1] })]);

    const unpause = await api.call('POST', path(workflowId, '/unpause'), {});
    expect(unpause.status, unpause.text).toBe(202);
    const unpausedAt = Date.now();
    expect(await api.resultOf(workflowId)).toEqual({ status: 'completed', result: { sleptMs: 1_000 } });
    expect(Date.now() - unpausedAt).toBeLessThan(5_000);
    expect((await api.describe(workflowId)).body.paused).toBeFalsy();
  });

  it('resets to a WorkflowTaskCompleted event: 201 {runId}, the old run terminated, later signals re-applied', async () => {
    const workflowId = fresh('entity');
    const { runId: oldRunId } = await api.start('apiEntity', workflowId);
    for (const item of ['x', 'y']) expect((await api.call('POST', path(workflowId, '/signals/apiAddItem'), { args: [item] })).status).toBe(202);
    const history = await api.historyOf(workflowId);
    const firstTask = history.find((event) => event.type === 'WorkflowTaskCompleted')!;
    expect(firstTask.eventId).toBeLessThan(history.find((event) => event.type === 'SignalReceived')!.eventId);

    expectProblem(await api.call('POST', path(workflowId, '/reset'), { eventId: 1 }), 400, 'duro:bad-reset-point');
    const reset = await api.call('POST', path(workflowId, '/reset'), { eventId: firstTask.eventId, reason: 'e2e reset' });
    expect(reset.status, reset.text).toBe(201);
    expect(reset.body).toEqual({ runId: expect.any(String) });
    const newRunId = reset.body.runId as string;
    expect(newRunId).not.toBe(oldRunId);

    const old = await api.describe(workflowId, oldRunId);
    expect(old.body).toMatchObject({ runId: oldRunId, status: 'terminated' });
    expect((await api.historyOf(workflowId, oldRunId)).at(-1)).toMatchObject({ type: 'WorkflowExecutionTerminated', reason: expect.stringContaining('e2e reset') });
    expect((await api.describe(workflowId)).body).toMatchObject({ runId: newRunId, status: 'running' });
    expect((await api.call('POST', path(workflowId, '/queries/apiItems'), {})).body).toEqual({ result: ['x', 'y'] });
    expect((await api.call('POST', path(workflowId, '/signals/apiFinish'), {})).status).toBe(202);
    expect(await api.resultOf(workflowId)).toEqual({ status: 'completed', result: { items: ['x', 'y'], limit: 0 } });
  });

  it('signal-with-start starts the workflow (started: true), then only signals it (started: false)', async () => {
    const workflowId = fresh('entity');
    const body = { workflowType: 'apiEntity', workflowId, signalName: 'apiAddItem' };
    const first = await api.call('POST', '/v1/workflows/signal-with-start', { ...body, signalArgs: ['first'] });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ workflowId, runId: expect.any(String), started: true });
    const second = await api.call('POST', '/v1/workflows/signal-with-start', { ...body, signalArgs: ['second'] });
    expect(second.status, second.text).toBe(200);
    expect(second.body).toEqual({ workflowId, runId: first.body.runId, started: false });
    expect((await api.call('POST', path(workflowId, '/queries/apiItems'), {})).body).toEqual({ result: ['first', 'second'] });
  });

  it('update-with-start starts the workflow and runs the update, then only runs it', async () => {
    const workflowId = fresh('entity');
    const body = { workflowType: 'apiEntity', workflowId, updateName: 'apiSetLimit' };
    const first = await api.call('POST', '/v1/workflows/update-with-start', { ...body, updateArgs: [7], updateId: 'uws-1' });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ workflowId, runId: expect.any(String), started: true, updateId: 'uws-1', outcome: { result: 0 } });
    const second = await api.call('POST', '/v1/workflows/update-with-start', { ...body, updateArgs: [9] });
    expect(second.status, second.text).toBe(200);
    expect(second.body).toMatchObject({ workflowId, runId: first.body.runId, started: false, outcome: { result: 7 } });

    const before = await api.snapshot(workflowId);
    expectProblem(await api.call('POST', '/v1/workflows/update-with-start', { ...body, updateArgs: [-3] }), 400, 'duro:update-rejected');
    expect(await api.snapshot(workflowId)).toEqual(before);
  });

  it('applies the id conflict and reuse policies', async () => {
    const workflowId = fresh('entity');
    const { runId } = await api.start('apiEntity', workflowId);
    const before = await api.snapshot(workflowId);

    const conflict = await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId });
    expectProblem(conflict, 409, 'duro:workflow-already-started');
    expectProblem(await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId, idConflictPolicy: 'fail' }), 409, 'duro:workflow-already-started');
    const existing = await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId, idConflictPolicy: 'useExisting' });
    expect(existing.status, existing.text).toBe(200);
    expect(existing.body).toEqual({ workflowId, runId });
    expect(await api.snapshot(workflowId)).toEqual(before);

    const replaced = await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId, idConflictPolicy: 'terminateExisting' });
    expect(replaced.status, replaced.text).toBe(201);
    expect(replaced.body.runId).not.toBe(runId);
    expect((await api.describe(workflowId, runId)).body.status).toBe('terminated');

    expect((await api.call('POST', path(workflowId, '/signals/apiFinish'), {})).status).toBe(202);
    expect((await api.resultOf(workflowId)).status).toBe('completed');
    const closed = await api.snapshot(workflowId);
    expectProblem(await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId, idReusePolicy: 'rejectDuplicate' }), 409, 'duro:workflow-already-started');
    expectProblem(await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId, idReusePolicy: 'allowDuplicateFailedOnly' }), 409, 'duro:workflow-already-started');
    expect(await api.snapshot(workflowId)).toEqual(closed);
    const reused = await api.call('POST', '/v1/workflows', { workflowType: 'apiEntity', workflowId, idReusePolicy: 'allowDuplicate' });
    expect(reused.status, reused.text).toBe(201);
    expect(reused.body.runId).not.toBe(replaced.body.runId);
    expect((await api.describe(workflowId)).body).toMatchObject({ runId: reused.body.runId, status: 'running' });
  });

  it('serves /healthz without a token, /openapi.json and /docs with it', async () => {
    const health = await api.call('GET', '/healthz', undefined, { token: undefined });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });

    const openapi = await api.call('GET', '/openapi.json');
    expect(openapi.status, openapi.text.slice(0, 300)).toBe(200);
    expect(openapi.headers.get('content-type')).toMatch(/^application\/json/);
    expect(openapi.body).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: expect.any(Object), paths: expect.any(Object) });
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining([
      '/v1/workflows', '/v1/workflows/{workflowId}', '/v1/workflows/{workflowId}/result', '/v1/workflows/{workflowId}/signals/{name}',
    ]));

    const docs = await api.call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(docs.text).toMatch(/<html/i);
  });
});

describe('workflow lifecycle through DuroClient', () => {
  it('starts, signals, queries, updates and reads the result of a workflow', async () => {
    const workflowId = fresh('client');
    const handle = await client.start(apiEntity, { workflowId });
    expect(handle.workflowId).toBe(workflowId);
    expect(handle.runId).toEqual(expect.any(String));
    await handle.signal(apiAddItem, { sku: 'A-1' });
    await handle.signalWithRequestId('client-req', apiAddItem, 'dup');
    await handle.signalWithRequestId('client-req', apiAddItem, 'dup');
    expect(await handle.query(apiItems)).toEqual([{ sku: 'A-1' }, 'dup']);
    expect(await handle.executeUpdate(apiSetLimit, { args: [3] })).toBe(0);
    await expect(handle.executeUpdate(apiSetLimit, { args: [-2] })).rejects.toBeInstanceOf(WorkflowUpdateRejectedError);
    expect(await handle.describe()).toMatchObject({ workflowId, status: 'running', workflowType: 'apiEntity' });

    await expect(client.start(apiEntity, { workflowId })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await handle.signal(apiFinish);
    expect(await handle.result()).toEqual({ items: [{ sku: 'A-1' }, 'dup'], limit: 3 });
    const history = await handle.fetchHistory();
    expect(history[0]!.type).toBe('WorkflowExecutionStarted');
    expect(history.at(-1)!.type).toBe('WorkflowExecutionCompleted');
    expect(history.filter((event) => event.type === 'SignalReceived')).toHaveLength(3);
  });

  it('executes, signals with start, cancels, and reports missing workflows and a missing token', async () => {
    expect(await client.execute(apiEcho, { workflowId: fresh('client-echo'), input: { deep: [1, 'two', null] } })).toEqual({ deep: [1, 'two', null] });

    const workflowId = fresh('client-sws');
    const first = await client.signalWithStart(apiEntity, { workflowId, signal: apiAddItem, signalArgs: ['p'] });
    const second = await client.signalWithStart(apiEntity, { workflowId, signal: apiAddItem, signalArgs: ['q'] });
    expect([first.started, second.started]).toEqual([true, false]);
    const handle = client.getHandle(workflowId);
    expect(await handle.query(apiItems)).toEqual(['p', 'q']);
    await handle.cancel('client cancel');
    const failure = await handle.result().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).status).toBe('canceled');

    await expect(client.getHandle(fresh('nobody')).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const anonymous = new DuroClient({ baseUrl: dev!.url });
    const refused = await anonymous.start(apiEcho, { workflowId: fresh('client-anon'), input: 1 }).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(DuroApiError);
    expect(refused).toMatchObject({ status: 401, type: 'duro:unauthorized' });
  });
});

describe('bad input', () => {
  /** A running entity with history, and a completed run: every refused request must leave both as they were. */
  let running: string;
  let closed: string;
  let before: { running: RunSnapshot; closed: RunSnapshot };

  beforeAll(async () => {
    running = fresh('witness');
    await api.start('apiEntity', running);
    expect((await api.call('POST', path(running, '/signals/apiAddItem'), { args: ['kept'] })).status).toBe(202);
    expect((await api.call('POST', path(running, '/updates/apiSetLimit'), { args: [2] })).status).toBe(200);
    closed = fresh('closed');
    await api.start('apiEcho', closed, 'done');
    expect(await api.resultOf(closed)).toEqual({ status: 'completed', result: 'done' });
    before = { running: await api.snapshot(running), closed: await api.snapshot(closed) };
  });

  async function expectNothingChanged(): Promise<void> {
    expect(await api.snapshot(running)).toEqual(before.running);
    expect(await api.snapshot(closed)).toEqual(before.closed);
    expect((await api.call('POST', path(running, '/queries/apiItems'), {})).body).toEqual({ result: ['kept'] });
  }

  /** A start body's workflowId that no accepted request uses: a refused start must not create it. */
  const NEVER = 'never-created';
  const over = asciiPayload(PAYLOAD_LIMIT + 1);
  const overArgs = ['x'.repeat(PAYLOAD_LIMIT + 1 - 4)]; // ["…"]: brackets and quotes are 4 bytes
  const startBody = { workflowType: 'apiEntity', workflowId: NEVER };

  interface Case {
    name: string;
    send: () => Promise<Reply>;
    status: number;
    type: string;
  }
  /** `body` may be a function, for bodies that name the witness runs (known only once they started). */
  const post = (target: () => string, body: unknown) => () => api.call('POST', target(), typeof body === 'function' ? body() : body);
  const postRaw = (target: () => string, raw: string) => () => api.call('POST', target(), undefined, { raw });
  const cases: Case[] = [
    // malformed JSON
    { name: 'start with malformed JSON', send: postRaw(() => '/v1/workflows', '{"workflowType": "apiEntity",'), status: 400, type: 'duro:invalid-request' },
    { name: 'signal with malformed JSON', send: postRaw(() => path(running, '/signals/apiAddItem'), '{"args": [1'), status: 400, type: 'duro:invalid-request' },
    { name: 'update with malformed JSON', send: postRaw(() => path(running, '/updates/apiSetLimit'), "{args: [1]}"), status: 400, type: 'duro:invalid-request' },
    { name: 'cancel with an empty body', send: postRaw(() => path(running, '/cancel'), ''), status: 400, type: 'duro:invalid-request' },
    { name: 'start with a JSON array for a body', send: post(() => '/v1/workflows', [startBody]), status: 400, type: 'duro:invalid-request' },
    // wrong field types and unknown fields
    { name: 'start with a numeric workflowType', send: post(() => '/v1/workflows', { workflowType: 42, workflowId: NEVER }), status: 400, type: 'duro:invalid-request' },
    { name: 'start without a workflowType', send: post(() => '/v1/workflows', { workflowId: NEVER }), status: 400, type: 'duro:invalid-request' },
    { name: 'start with an empty workflowId', send: post(() => '/v1/workflows', { workflowType: 'apiEntity', workflowId: '' }), status: 400, type: 'duro:invalid-request' },
    // ids and JSON that used to get in but not work (issue 15)
    { name: 'start with a workflowId holding LF', send: post(() => '/v1/workflows', { workflowType: 'apiEntity', workflowId: `${NEVER}\n` }), status: 400, type: 'duro:invalid-request' },
    { name: 'start with a workflowId holding a lone surrogate', send: post(() => '/v1/workflows', { workflowType: 'apiEntity', workflowId: `${NEVER}\ud800` }), status: 400, type: 'duro:invalid-request' },
    { name: 'start with the workflowId count', send: post(() => '/v1/workflows', { workflowType: 'apiEntity', workflowId: 'count' }), status: 400, type: 'duro:invalid-request' },
    { name: 'start whose input nests 3 700 deep', send: postRaw(() => '/v1/workflows', `{"workflowType":"apiEntity","workflowId":"${NEVER}","input":${'['.repeat(3700)}${']'.repeat(3700)}}`), status: 400, type: 'duro:invalid-request' },
    { name: 'signal whose args hold 1e400', send: postRaw(() => path(running, '/signals/apiAddItem'), '{"args":[1e400]}'), status: 400, type: 'duro:invalid-request' },
    { name: 'update whose args nest 3 700 deep', send: postRaw(() => path(running, '/updates/apiSetLimit'), `{"args":${'['.repeat(3700)}${']'.repeat(3700)}}`), status: 400, type: 'duro:invalid-request' },
    { name: 'start with an unknown conflict policy', send: post(() => '/v1/workflows', { ...startBody, idConflictPolicy: 'sometimes' }), status: 400, type: 'duro:invalid-request' },
    { name: 'start with an unreadable duration', send: post(() => '/v1/workflows', { ...startBody, executionTimeout: 'soonish' }), status: 400, type: 'duro:invalid-request' },
    { name: 'start with an unknown field', send: post(() => '/v1/workflows', { ...startBody, colour: 'red' }), status: 400, type: 'duro:invalid-request' },
    { name: 'start with a memo that is not an object', send: post(() => '/v1/workflows', { ...startBody, memo: 'note' }), status: 400, type: 'duro:invalid-request' },
    { name: 'signal-with-start without a signalName', send: post(() => '/v1/workflows/signal-with-start', startBody), status: 400, type: 'duro:invalid-request' },
    { name: 'signal with a numeric requestId', send: post(() => path(running, '/signals/apiAddItem'), { args: ['no'], requestId: 7 }), status: 400, type: 'duro:invalid-request' },
    { name: 'signal with an unknown field', send: post(() => path(running, '/signals/apiAddItem'), { args: ['no'], extra: true }), status: 400, type: 'duro:invalid-request' },
    { name: 'update with an unknown wait', send: post(() => path(running, '/updates/apiSetLimit'), { args: [9], wait: 'eventually' }), status: 400, type: 'duro:invalid-request' },
    { name: 'update with an empty updateId', send: post(() => path(running, '/updates/apiSetLimit'), { args: [9], updateId: '' }), status: 400, type: 'duro:invalid-request' },
    { name: 'cancel with a numeric reason', send: post(() => path(running, '/cancel'), { reason: 5 }), status: 400, type: 'duro:invalid-request' },
    { name: 'terminate with an unknown field', send: post(() => path(running, '/terminate'), { why: 'x' }), status: 400, type: 'duro:invalid-request' },
    { name: 'reset with a string eventId', send: post(() => path(running, '/reset'), { eventId: 'three' }), status: 400, type: 'duro:invalid-request' },
    { name: 'reset to event 0', send: post(() => path(running, '/reset'), { eventId: 0 }), status: 400, type: 'duro:invalid-request' },
    { name: 'reset to the start event', send: post(() => path(running, '/reset'), { eventId: 1 }), status: 400, type: 'duro:bad-reset-point' },
    { name: 'reset to an event past the end', send: () => api.call('POST', path(running, '/reset'), { eventId: before.running.eventIds.length + 10 }), status: 400, type: 'duro:bad-reset-point' },
    { name: 'history with limit=0', send: () => api.call('GET', path(running, '/history?limit=0')), status: 400, type: 'duro:invalid-request' },
    { name: 'history with after=-1', send: () => api.call('GET', path(running, '/history?after=-1')), status: 400, type: 'duro:invalid-request' },
    { name: 'result with an unreadable wait', send: () => api.call('GET', path(running, '/result?wait=forever')), status: 400, type: 'duro:invalid-request' },
    // unknown workflow type
    { name: 'start of an unknown workflowType', send: post(() => '/v1/workflows', { workflowType: 'noSuchWorkflow', workflowId: NEVER }), status: 404, type: 'duro:workflow-type-not-found' },
    { name: 'signal-with-start of an unknown workflowType', send: post(() => '/v1/workflows/signal-with-start', () => ({ workflowType: 'noSuchWorkflow', workflowId: running, signalName: 'apiAddItem', signalArgs: ['no'] })), status: 404, type: 'duro:workflow-type-not-found' },
    { name: 'update-with-start of an unknown workflowType', send: post(() => '/v1/workflows/update-with-start', () => ({ workflowType: 'noSuchWorkflow', workflowId: running, updateName: 'apiSetLimit', updateArgs: [9] })), status: 404, type: 'duro:workflow-type-not-found' },
    // payloads over 2 MiB by one byte, and bodies over the body limit
    { name: 'start whose input is 2 MiB + 1 byte', send: post(() => '/v1/workflows', { ...startBody, input: over }), status: 413, type: 'duro:payload-too-large' },
    { name: 'signal whose args are 2 MiB + 1 byte', send: post(() => path(running, '/signals/apiAddItem'), { args: overArgs }), status: 413, type: 'duro:payload-too-large' },
    { name: 'update whose args are 2 MiB + 1 byte', send: post(() => path(running, '/updates/apiSetLimit'), { args: overArgs }), status: 413, type: 'duro:payload-too-large' },
    { name: 'query whose args are 2 MiB + 1 byte', send: post(() => path(running, '/queries/apiItems'), { args: overArgs }), status: 413, type: 'duro:payload-too-large' },
    { name: 'signal-with-start whose signalArgs are 2 MiB + 1 byte', send: post(() => '/v1/workflows/signal-with-start', () => ({ workflowType: 'apiEntity', workflowId: running, signalName: 'apiAddItem', signalArgs: overArgs })), status: 413, type: 'duro:payload-too-large' },
    { name: 'signal whose body is 3 MiB', send: post(() => path(running, '/signals/apiAddItem'), { args: ['y'.repeat(3 * 1024 * 1024)] }), status: 413, type: 'duro:payload-too-large' },
    // closed runs
    { name: 'signal to a closed run', send: post(() => path(closed, '/signals/apiAddItem'), { args: ['late'] }), status: 409, type: 'duro:workflow-closed' },
    { name: 'update to a closed run', send: post(() => path(closed, '/updates/apiSetLimit'), { args: [1] }), status: 409, type: 'duro:workflow-closed' },
    { name: 'cancel of a closed run', send: post(() => path(closed, '/cancel'), {}), status: 409, type: 'duro:workflow-closed' },
    { name: 'terminate of a closed run', send: post(() => path(closed, '/terminate'), { reason: 'late' }), status: 409, type: 'duro:workflow-closed' },
    { name: 'pause of a closed run', send: post(() => path(closed, '/pause'), {}), status: 409, type: 'duro:workflow-closed' },
    // unknown workflows, runs, queries
    ...([
      ['describe', 'GET', ''], ['result', 'GET', '/result?wait=1s'], ['history', 'GET', '/history'], ['signal', 'POST', '/signals/apiAddItem', { args: [1] }],
      ['query', 'POST', '/queries/apiItems', {}], ['update', 'POST', '/updates/apiSetLimit', { args: [1] }], ['cancel', 'POST', '/cancel', {}],
      ['terminate', 'POST', '/terminate', { reason: 'none' }], ['pause', 'POST', '/pause', {}], ['unpause', 'POST', '/unpause', {}],
    ] as const).map(([what, method, suffix, body]): Case => ({
      name: `${what} of an unknown workflow id`,
      send: () => api.call(method, path(NEVER, suffix), body),
      status: 404,
      type: 'duro:workflow-not-found',
    })),
    { name: 'reset of an unknown workflow id', send: post(() => path(NEVER, '/reset'), { eventId: 3 }), status: 404, type: 'duro:workflow-not-found' },
    { name: 'describe of an unknown run of a known id', send: () => api.describe(running, 'no-such-run'), status: 404, type: 'duro:workflow-not-found' },
    { name: 'signal to an unknown run of a known id', send: post(() => path(running, '/signals/apiAddItem?runId=no-such-run'), { args: ['no'] }), status: 404, type: 'duro:workflow-not-found' },
    { name: 'unknown query', send: post(() => path(running, '/queries/noSuchQuery'), {}), status: 400, type: 'duro:query-not-found' },
    // auth
    { name: 'start without a token', send: () => api.call('POST', '/v1/workflows', startBody, { token: undefined }), status: 401, type: 'duro:unauthorized' },
    { name: 'signal with a wrong token', send: () => api.call('POST', path(running, '/signals/apiAddItem'), { args: ['no'] }, { token: 'e2e-token-but-wrong' }), status: 401, type: 'duro:unauthorized' },
    { name: 'update with the token but no Bearer scheme', send: () => api.call('POST', path(running, '/updates/apiSetLimit'), { args: [9] }, { token: undefined, headers: { authorization: TOKEN } }), status: 401, type: 'duro:unauthorized' },
    { name: 'terminate with the token cut short', send: () => api.call('POST', path(running, '/terminate'), {}, { token: TOKEN.slice(0, -1) }), status: 401, type: 'duro:unauthorized' },
    { name: 'describe without a token', send: () => api.call('GET', path(running), undefined, { token: undefined }), status: 401, type: 'duro:unauthorized' },
    { name: 'openapi.json without a token', send: () => api.call('GET', '/openapi.json', undefined, { token: undefined }), status: 401, type: 'duro:unauthorized' },
    // routing
    { name: 'an unknown route', send: () => api.call('GET', '/v1/nothing-here'), status: 404, type: 'duro:not-found' },
    { name: 'an unknown action on a workflow', send: post(() => path(running, '/frobnicate'), {}), status: 404, type: 'duro:not-found' },
    { name: 'DELETE of a workflow', send: () => api.call('DELETE', path(running)), status: 405, type: 'duro:method-not-allowed' },
    { name: 'GET of a signal', send: () => api.call('GET', path(running, '/signals/apiAddItem')), status: 405, type: 'duro:method-not-allowed' },
    { name: 'PUT of signal-with-start', send: () => api.call('PUT', '/v1/workflows/signal-with-start', {}), status: 405, type: 'duro:method-not-allowed' },
  ];

  it.each(cases)('refuses $name with $status $type and changes nothing', async ({ send, status, type }) => {
    expectProblem(await send(), status, type);
    await expectNothingChanged();
    expectProblem(await api.describe(NEVER), 404, 'duro:workflow-not-found');
  });

  it('names the allowed methods of a known path in a 405', async () => {
    const reply = await api.call('DELETE', path(running, '/signals/apiAddItem'));
    expectProblem(reply, 405, 'duro:method-not-allowed');
    expect(reply.headers.get('allow')).toContain('POST');
  });

  it('accepts a payload of exactly 2 MiB and refuses one of 2 MiB + 1 byte', async () => {
    const exact = asciiPayload(PAYLOAD_LIMIT);
    expect(encodedSize(exact)).toBe(PAYLOAD_LIMIT);
    expect(encodedSize(over)).toBe(PAYLOAD_LIMIT + 1);
    expect(encodedSize(overArgs)).toBe(PAYLOAD_LIMIT + 1);

    const workflowId = fresh('exact');
    await api.start('apiEcho', workflowId, exact);
    expect(await api.resultOf(workflowId)).toEqual({ status: 'completed', result: exact });
    const tooBig = fresh('too-big');
    expectProblem(await api.call('POST', '/v1/workflows', { workflowType: 'apiEcho', workflowId: tooBig, input: over }), 413, 'duro:payload-too-large');
    expectProblem(await api.describe(tooBig), 404, 'duro:workflow-not-found');
  });

  /**
   * Just under 2 MiB of `"` (2 bytes encoded: `\"`) and 😀 (4 bytes of UTF-8, a surrogate pair in UTF-16) after `lead` ASCII
   * characters: leads 0–3 put the pairs at every offset against any boundary the server counts in UTF-16 units.
   */
  const quotesAndEmoji = (lead = 0) => 'a'.repeat(lead) + '"😀'.repeat(Math.floor((PAYLOAD_LIMIT - 2 - lead) / 6));
  const LEADS = [0, 1, 2, 3];

  it('stores payloads just under 2 MiB of quotes and emoji sent as UTF-8, and answers the result intact', async () => {
    for (const lead of LEADS) {
      const input = quotesAndEmoji(lead);
      expect(encodedSize(input)).toBeLessThanOrEqual(PAYLOAD_LIMIT);
      expect(encodedSize(input)).toBeGreaterThan(PAYLOAD_LIMIT - 6);
      const workflowId = fresh(`emoji-${lead}`);
      await api.start('apiEcho', workflowId, input);
      const result = await api.resultOf(workflowId);
      expect(result.status).toBe('completed');
      expectSameText(result.result, input, `the result (lead ${lead})`);
    }
  });

  // Values over 256 Ki UTF-16 units are stored in chunks (durable-objects/sql-run-store.ts); a cut inside a surrogate
  // pair would come back as U+FFFD. Each lead shifts the pairs against the chunk boundaries.
  it('gives such payloads back intact in history, wherever their surrogate pairs fall against the storage chunks', async () => {
    for (const lead of LEADS) {
      const input = quotesAndEmoji(lead);
      const workflowId = fresh(`emoji-history-${lead}`);
      await api.start('apiEcho', workflowId, input);
      expect((await api.resultOf(workflowId)).status).toBe('completed');
      const history = await api.historyOf(workflowId);
      expect(history.map((event) => event.type)).toEqual(['WorkflowExecutionStarted', 'WorkflowExecutionCompleted']);
      expectSameText(history[0]!.input, input, `the recorded input (lead ${lead})`);
      expectSameText(history[1]!.result, input, `the recorded result (lead ${lead})`);
    }
  });

  it('stores the same payload sent with \\u escapes (over twice the bytes on the wire), or refuses it with 413; never a 500', async () => {
    const workflowId = fresh('emoji-escaped');
    const input = quotesAndEmoji();
    const raw = asciiJson({ workflowType: 'apiEcho', workflowId, input });
    expect(raw.length).toBeGreaterThan(PAYLOAD_LIMIT * 2);
    const reply = await api.call('POST', '/v1/workflows', undefined, { raw });
    if (reply.status === 413) {
      expectProblem(reply, 413, 'duro:payload-too-large');
      expectProblem(await api.describe(workflowId), 404, 'duro:workflow-not-found');
      return;
    }
    expect(reply.status, reply.text.slice(0, 300)).toBe(201);
    const result = await api.resultOf(workflowId);
    expect(result.status).toBe('completed');
    expectSameText(result.result, input, 'the result');
  });
});

describe('bugs in workflow code, in workerd (issue 17)', () => {
  it('blocks the run on a TypeError or an unhandled rejection, says why in describe, and keeps the isolate clean', async () => {
    for (const [bug, reason] of [['typeError', /Workflow code threw TypeError/], ['floating', /Unhandled rejection in workflow code: Error: nobody awaits this/]] as const) {
      const workflowId = fresh(`buggy-${bug}`);
      await api.start('apiBuggy', workflowId, { bug });
      const described = await api.describeUntil(workflowId, (description) => description.blockedReason !== undefined);
      expect(described).toMatchObject({ status: 'running', blockedReason: expect.stringMatching(reason) });
      const failed = (await api.historyOf(workflowId)).find((event) => event.type === 'WorkflowTaskFailed');
      expect(failed).toMatchObject({ reason: 'workflowError', failure: { message: expect.any(String) } });
    }
    // Taken as the run's (preventDefault): workerd logs no uncaught rejection for it.
    expect(dev!.logTail(400)).not.toContain('nobody awaits this');
  });

  it('gives workflow code workflow time through Date.now() (the Worker has nodejs_compat)', async () => {
    const workflowId = fresh('clock');
    await api.start('apiBuggy', workflowId, { bug: 'clock' });
    const outcome = await api.resultOf(workflowId);
    expect(outcome).toMatchObject({ status: 'completed', result: { dateNow: expect.any(Number), random: expect.any(Number) } });
    expect(outcome.result.dateNow).toBe(outcome.result.ctxNow);
  });
});
