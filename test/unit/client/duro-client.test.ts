// DuroClient against the real API app over the real engine (the test environment as the backend).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DuroApiError, DuroClient, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateRejectedError, type KeptLog, type LogPage,
} from 'duro/client';
import { ApplicationFailure } from 'duro/workflow';
import { add, chatty, counter, decline, finish, greet, relay, rounds, setTotal, setup, stepper, total } from '../api/fixtures';

async function clientOver() {
  const { app, env } = await setup();
  const client = new DuroClient({ baseUrl: 'http://duro.test', fetch: async (request) => app.fetch(request), resultPollWait: '1s' });
  return { client, env };
}

describe('DuroClient', () => {
  it('starts a workflow and returns its typed result', async () => {
    const { client } = await clientOver();
    const handle = await client.start(greet, { workflowId: 'greet-1', input: 'Ada' });
    expect(handle.workflowId).toBe('greet-1');
    expect(handle.runId).toMatch(/[0-9a-f-]{36}/);
    const result: string = await handle.result();
    expect(result).toBe('Hello, Ada!');
    expect(await client.execute(greet, { input: 'Grace' })).toBe('Hello, Grace!');
  });

  it('executes a short workflow in one request, and long-polls one that outlasts the start\'s wait', async () => {
    const { app } = await setup();
    const requests: string[] = [];
    const client = new DuroClient({ baseUrl: 'http://duro.test', resultPollWait: '1s', fetch: async (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
      return app.fetch(request);
    } });
    expect(await client.execute(greet, { workflowId: 'quick', input: 'Grace' })).toBe('Hello, Grace!');
    expect(requests).toEqual(['POST /v1/workflows?wait=1s']);

    requests.length = 0;
    expect(await client.execute(stepper, { workflowId: 'slow', input: 3 })).toBe(3); // three 1 s sleeps
    expect(requests[0]).toBe('POST /v1/workflows?wait=1s');
    expect(requests.slice(1).every((request) => request.startsWith('GET /v1/workflows/slow/result'))).toBe(true);
    expect(requests.length).toBeGreaterThan(1);

    await expect(client.execute(decline, { workflowId: 'declined' })).rejects.toMatchObject({ name: 'WorkflowFailedError', status: 'failed' });
  });

  it('signals, queries and updates by definition, and keeps retried signals single', async () => {
    const { client } = await clientOver();
    const handle = await client.start(counter, { workflowId: 'counter-1' });
    await handle.signal(add, 2);
    await handle.signalWithRequestId('req-1', add, 5);
    await handle.signalWithRequestId('req-1', add, 5); // a retry: recorded once
    expect(await handle.query(total)).toBe(7);
    expect(await handle.executeUpdate(setTotal, { args: [40] })).toBe(40);
    await expect(handle.executeUpdate(setTotal, { args: [-1] })).rejects.toBeInstanceOf(WorkflowUpdateRejectedError);
    await handle.signal(finish);
    expect(await handle.result()).toBe(40);
    const history = await handle.fetchHistory();
    expect(history.filter((event) => event.type === 'SignalReceived')).toHaveLength(3);
    expect(history.some((event) => event.type === 'UpdateAccepted' && event.args[0] === -1)).toBe(false);
  });

  it('surfaces a failed workflow as WorkflowFailedError with the original type in its cause', async () => {
    const { client } = await clientOver();
    const handle = await client.start(decline);
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failed = error as WorkflowFailedError;
    expect(failed.status).toBe('failed');
    expect(failed.cause).toBeInstanceOf(ApplicationFailure);
    expect((failed.cause as ApplicationFailure).type).toBe('PaymentDeclined');
    expect((failed.cause as ApplicationFailure).details).toEqual({ code: 51 });
  });

  it('follows continue-as-new to the last run', async () => {
    const { client } = await clientOver();
    const handle = await client.start(relay, { input: 0 });
    expect(await handle.result()).toBe(2);
  });

  it('fetches every page of a long history', async () => {
    const { client } = await clientOver();
    const handle = await client.start(stepper, { input: 400 });
    await handle.result();
    const history = await handle.fetchHistory();
    expect(history.length).toBeGreaterThan(1_000);
    expect(history.map((event) => event.eventId)).toEqual(history.map((_, index) => index + 1));
  });

  it('turns refusals into typed errors', async () => {
    const { client } = await clientOver();
    await client.start(counter, { workflowId: 'dup' });
    await expect(client.start(counter, { workflowId: 'dup' })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(client.getHandle('missing').describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const error = await client.start('no-such-type').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuroApiError);
    expect((error as DuroApiError).type).toBe('duro:workflow-type-not-found');
    const cancelled = await client.start(counter, { workflowId: 'closing' });
    await cancelled.terminate('done here');
    await expect(cancelled.signal(add, 1)).rejects.toMatchObject({ type: 'duro:workflow-closed' });
    await expect(cancelled.result()).rejects.toMatchObject({ status: 'terminated' });
  });

  it('signals with start: starts once, then signals the running workflow', async () => {
    const { client } = await clientOver();
    const first = await client.signalWithStart(counter, { workflowId: 'sws', signal: add, signalArgs: [3] });
    const second = await client.signalWithStart(counter, { workflowId: 'sws', signal: add, signalArgs: [4] });
    expect([first.started, second.started]).toEqual([true, false]);
    expect(await second.query(total)).toBe(7);
  });

  it('describes a run', async () => {
    const { client } = await clientOver();
    const handle = await client.start(counter, { workflowId: 'described', memo: { owner: 'ada' } });
    const description = await handle.describe();
    expect(description).toMatchObject({ workflowId: 'described', workflowType: 'counter', status: 'running', memo: { owner: 'ada' } });
  });
});

describe('WorkflowHandle: kept log lines', () => {
  afterEach(() => vi.restoreAllMocks());
  const quietConsole = () => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
  };

  it("reads a page of the run's lines, the lines after a seq, and a page of at most `limit`", async () => {
    quietConsole();
    const { client } = await clientOver();
    const handle = await client.start(chatty, { workflowId: 'chatty-1' });
    await handle.signal(add, 7);
    const page: LogPage = await handle.logs();
    expect(page.runId).toBe(handle.runId);
    expect(page.lines.map(({ line }) => [line.level, line.message, line.activityType])).toEqual([
      ['info', 'started', undefined], ['info', 'noted', 'note'], ['info', 'added', undefined],
    ]);
    expect(page.lines[0]!.line).toMatchObject({ workflowId: 'chatty-1', runId: handle.runId, workflowType: 'chatty', order: 'o-1' });
    expect(page.lastSeq).toBe(page.lines.at(-1)!.seq);

    const first = await handle.logs({ limit: 1 });
    expect(first.lines.map(({ line }) => line.message)).toEqual(['started']);
    const rest = await handle.logs({ after: first.lastSeq });
    expect(rest.lines.map(({ line }) => line.message)).toEqual(['noted', 'added']);
    // Nothing new: an empty page that keeps the place.
    expect(await handle.logs({ after: page.lastSeq })).toEqual({ runId: handle.runId, lines: [], lastSeq: page.lastSeq });
    // A handle on the workflow id reads its latest run; another run by id.
    expect((await client.getHandle('chatty-1').logs()).runId).toBe(handle.runId);
    await expect(client.getHandle('chatty-1').logs({ runId: 'no-such-run' })).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(client.getHandle('no-such-workflow').logs()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('follows the lines as they are kept until the run closes, its last lines included', async () => {
    quietConsole();
    const { client } = await clientOver();
    const handle = await client.start(chatty, { workflowId: 'chatty-2' });
    const seen: KeptLog[] = [];
    for await (const kept of client.getHandle('chatty-2').followLogs({ pollInterval: 10 })) {
      seen.push(kept);
      if (kept.line.message === 'noted') await handle.signal(add, 1);
      if (kept.line.message === 'added') await handle.signal(finish);
    }
    expect(seen.map(({ line }) => line.message)).toEqual(['started', 'noted', 'added', 'finishing']);
    expect(seen.map(({ seq }) => seq)).toEqual([...seen.map(({ seq }) => seq)].sort((a, b) => a - b));
    expect(await handle.result()).toBe('done');
  });

  it('follows a run that continues as new into its next run, as a result does', async () => {
    quietConsole();
    const { client } = await clientOver();
    const first = await client.start(rounds, { workflowId: 'rounds-1' });
    expect(await client.getHandle('rounds-1').result()).toBe(2);
    const seen: unknown[] = [];
    for await (const { line } of client.getHandle('rounds-1', first.runId).followLogs({ pollInterval: 10 })) seen.push([line.message, line.round, line.runId === first.runId]);
    expect(seen).toEqual([['round', 1, true], ['round', 2, false]]);
  });

  it('stops following when its signal aborts', async () => {
    quietConsole();
    const { client } = await clientOver();
    const handle = await client.start(chatty, { workflowId: 'chatty-3' });
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const { line } of handle.followLogs({ pollInterval: '1 hour', signal: stop.signal })) {
      seen.push(line.message);
      stop.abort();
    }
    // The page in hand is read to its end; no hour-long wait follows.
    expect(seen[0]).toBe('started');
    expect((await handle.describe()).status).toBe('running');
  });
});
