// `duro` commands on one workflow against the real API over the real engine: text by default, the API's JSON with --json.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEvent } from 'duro/workflow';
import { runCli } from '../../../client/cli';
import { formatHistory, formatLogLine } from '../../../client/cli-format';
import { setup } from '../api/fixtures';
import { cliWith } from './run-cli';

async function cli() {
  const { app } = await setup();
  return cliWith(async (request) => app.fetch(request));
}

describe('duro execute', () => {
  it('starts a workflow, waits and prints its result', async () => {
    const duro = await cli();
    const run = await duro('execute', 'greet', '--input', '"Ada"');
    expect(run).toMatchObject({ code: 0, out: 'Hello, Ada!', err: '' });
    expect((await duro('execute', 'greet', '--id', 'g2', '--input', '"Grace"', '--json')).json()).toMatchObject({ workflowId: 'g2', result: 'Hello, Grace!' });
  });

  it('fails with exit code 1 and the failure when the workflow fails', async () => {
    const duro = await cli();
    const failed = await duro('execute', 'decline', '--id', 'd1');
    expect(failed.code).toBe(1);
    expect(failed.err).toBe('duro: Workflow d1 failed: card declined');
    const json = await duro('result', 'd1', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.err)).toMatchObject({ workflowId: 'd1', status: 'failed', failure: { type: 'PaymentDeclined', message: 'card declined' } });
  });
});

describe('duro start, signal, query, update, result', () => {
  it('prints short confirmations and plain results', async () => {
    const duro = await cli();
    const started = await duro('start', 'counter', '--id', 'c1');
    expect(started.out).toMatch(/^workflowId {2}c1\nrunId {7}[0-9a-f-]{36}$/);
    expect((await duro('signal', 'c1', 'add', '--args', '[5]')).out).toBe("Sent signal 'add' to c1.");
    expect((await duro('query', 'c1', 'total')).out).toBe('5');
    expect((await duro('update', 'c1', 'setTotal', '--args', '9')).out).toBe('9');
    await duro('signal', 'c1', 'finish');
    expect((await duro('result', 'c1')).out).toBe('9');
    const waited = await duro('start', 'greet', '--id', 'g1', '--input', '"Ada"', '--wait');
    expect(waited.out).toMatch(/^workflowId {2}g1\nrunId {7}\S+\nresult {6}"Hello, Ada!"$/);
  });

  it('confirms pause, unpause, cancel and terminate in words, and with {ok: true} under --json', async () => {
    const duro = await cli();
    await duro('start', 'nap', '--id', 'n1', '--input', '{"ms": 60000}');
    expect((await duro('pause', 'n1', '--reason', 'look')).out).toBe('Paused n1.');
    expect((await duro('unpause', 'n1', '--json')).json()).toEqual({ ok: true });
    expect((await duro('cancel', 'n1')).out).toBe('Requested cancellation of n1.');
    await duro('start', 'counter', '--id', 'c2');
    expect((await duro('terminate', 'c2', '--reason', 'enough')).out).toBe('Terminated c2.');
  });
});

describe('duro describe', () => {
  it('prints aligned key/value lines and the pending work, or the description with --json', async () => {
    const duro = await cli();
    await duro('start', 'nap', '--id', 'n1', '--input', '{"ms": 60000}', '--memo', '{"owner":"ada"}');
    const text = (await duro('describe', 'n1')).out;
    const lines = text.split('\n');
    expect(lines[0]).toBe('workflowId     n1');
    expect(lines).toContain('workflowType   nap');
    expect(lines).toContain('status         running');
    expect(lines).toContain('memo           {"owner":"ada"}');
    expect(text).toMatch(/^startTime {6}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    expect(text).toMatch(/\npending timers:\n {2}ID +FIRES AT\n {2}1 +\d{4}-\d\d-\d\dT/);
    const json = (await duro('describe', 'n1', '--json')).json();
    expect(json).toMatchObject({ workflowId: 'n1', workflowType: 'nap', status: 'running', memo: { owner: 'ada' } });
    expect(json.pendingTimers).toHaveLength(1);
  });
});

describe('duro history', () => {
  it('prints a timeline: event id, offset from the first event, type and summary', async () => {
    const duro = await cli();
    await duro('execute', 'nap', '--id', 'n2', '--input', '{"ms": 1500}');
    const lines = (await duro('history', 'n2')).out.split('\n');
    expect(lines[0]).toMatch(/^1 {2}\+0\.000s {2}WorkflowExecutionStarted +nap input=\{"ms":1500\}$/);
    expect(lines.find((line) => line.includes('TimerStarted'))).toMatch(/\+0\.000s {2}TimerStarted +timer 1 for 1\.5s$/);
    expect(lines.find((line) => line.includes('TimerFired'))).toMatch(/\+1\.500s {2}TimerFired +timer 1$/);
    expect(lines.at(-1)).toMatch(/\+1\.500s {2}WorkflowExecutionCompleted {2}result="rested"$/);
    const events = (await duro('history', 'n2', '--json')).json() as HistoryEvent[];
    expect(lines).toHaveLength(events.length);
  });

  it('summarizes activities, signals, failures and timers in a few words', () => {
    const at = (eventId: number, ms: number) => ({ eventId, timestamp: 1_700_000_000_000 + ms });
    const failure = { kind: 'application' as const, type: 'CardDeclined', message: 'card declined', nonRetryable: false };
    const events: HistoryEvent[] = [
      { ...at(1, 0), type: 'WorkflowExecutionStarted', workflowType: 'order', workflowId: 'o1', runId: 'r1', input: { id: 42 }, randomnessSeed: 's', attempt: 1, firstRunId: 'r1' },
      { ...at(2, 12), type: 'WorkflowTaskCompleted' },
      { ...at(3, 12), type: 'ActivityTaskScheduled', seq: 1, activityId: '1', activityType: 'charge', input: 42, options: { taskQueue: 'default', retry: { initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 100_000, maximumAttempts: 0, nonRetryableErrorTypes: [] }, cancellationType: 'TRY_CANCEL' } },
      { ...at(4, 20), type: 'ActivityTaskStarted', activityId: '1', attempt: 1 },
      { ...at(5, 1204), type: 'ActivityTaskFailed', activityId: '1', attempt: 1, failure },
      { ...at(6, 1300), type: 'SignalReceived', signalName: 'approve', args: ['ada'] },
      { ...at(7, 1310), type: 'TimerStarted', seq: 2, timerId: '2', durationMs: 90 * 60_000, fireAt: 0 },
      { ...at(8, 5_401_310), type: 'WorkflowExecutionFailed', failure },
    ];
    expect(formatHistory(events)).toBe([
      '1     +0.000s  WorkflowExecutionStarted  order input={"id":42}',
      '2     +0.012s  WorkflowTaskCompleted',
      '3     +0.012s  ActivityTaskScheduled     charge (activity 1) input=42',
      '4     +0.020s  ActivityTaskStarted       activity 1 attempt 1',
      '5     +1.204s  ActivityTaskFailed        activity 1 attempt 1: CardDeclined: card declined',
      '6     +1.300s  SignalReceived            approve args=["ada"]',
      '7     +1.310s  TimerStarted              timer 2 for 1h30m',
      '8  +5401.310s  WorkflowExecutionFailed   CardDeclined: card declined',
    ].join('\n'));
  });
});

describe('duro reset', () => {
  it('prints the new run', async () => {
    const duro = await cli();
    await duro('execute', 'nap', '--id', 'n3', '--input', '{"ms": 10}');
    const events = (await duro('history', 'n3', '--json')).json() as HistoryEvent[];
    const firstTask = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
    const reset = await duro('reset', 'n3', '--event', String(firstTask.eventId), '--reason', 'again');
    expect(reset.err).toBe('');
    expect(reset.out).toMatch(/^Reset n3: new run [0-9a-f-]{36}\.$/);
    expect((await duro('reset', 'n3', '--event', 'first')).code).toBe(2);
  });
});

describe('duro logs', () => {
  afterEach(() => vi.restoreAllMocks());
  const quietConsole = () => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
  };
  const TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

  it("prints the run's kept lines: time, level, who wrote it, message and the other attributes", async () => {
    quietConsole();
    const duro = await cli();
    await duro('start', 'chatty', '--id', 'ch1');
    await duro('signal', 'ch1', 'add', '--args', '[3]');
    const run = await duro('logs', 'ch1');
    expect(run).toMatchObject({ code: 0, err: '' });
    const lines = run.out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${TIME}  INFO   workflow  started order=o-1 note="two words"$`));
    expect(lines[1]).toMatch(new RegExp(`^${TIME}  INFO   note#1  noted text=hi$`));
    expect(lines[2]).toMatch(new RegExp(`^${TIME}  INFO   workflow  added n=3$`));

    // --json: one line object per line, as the API keeps it.
    const json = (await duro('logs', 'ch1', '--json')).out.split('\n').map((line) => JSON.parse(line));
    expect(json.map((line) => line.message)).toEqual(['started', 'noted', 'added']);
    expect(json[1]).toMatchObject({ level: 'info', workflowId: 'ch1', runId: json[0].runId, activityType: 'note', attempt: 1, text: 'hi' });

    // Another run by --run; a run without lines says so.
    const runId = json[0].runId as string;
    expect((await duro('logs', 'ch1', '--run', runId)).out).toBe(run.out);
    await duro('start', 'greet', '--id', 'quiet', '--input', '"Ada"', '--wait');
    expect((await duro('logs', 'quiet')).out).toBe('No log lines kept.');
    expect((await duro('logs', 'quiet', '--json')).out).toBe('');
  });

  it('formats attributes that are not one plain word as JSON, and an activity by its type and attempt', () => {
    const line = { level: 'error' as const, message: 'card declined', time: '2026-01-05T09:30:00.480Z', workflowId: 'o1', runId: 'r1', workflowType: 'order', activityId: '2', activityType: 'charge', attempt: 3, isLocal: false, code: 51, reply: { retry: false }, empty: '', truncated: true };
    expect(formatLogLine(line)).toBe('2026-01-05T09:30:00.480Z  ERROR  charge#3  card declined code=51 reply={"retry":false} empty="" truncated=true');
  });

  it('shows control characters of a line as escapes: a line cannot drive the terminal', () => {
    const line = { level: 'info' as const, message: 'red \u001b[31malert\u001b[0m\r', time: 't', workflowId: 'o1', runId: 'r1', traceId: 'a'.repeat(32) };
    expect(formatLogLine(line)).toBe('t  INFO   workflow  red \\u001b[31malert\\u001b[0m\\u000d');
  });

  it('fails with the problem and exit code 1 for a workflow or run it cannot find', async () => {
    const duro = await cli();
    const missing = await duro('logs', 'nope');
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toMatch(/^duro: .*nope.*not found/i);
    await duro('start', 'counter', '--id', 'c9');
    const noRun = await duro('logs', 'c9', '--run', 'no-such-run', '--json');
    expect(noRun.code).toBe(1);
    expect((await duro('logs')).code).toBe(2);
  });

  it('with --follow, prints lines as they are kept until the run closes', async () => {
    quietConsole();
    const { app } = await setup();
    const fetch = async (request: Request) => app.fetch(request);
    const duro = cliWith(fetch);
    await duro('start', 'chatty', '--id', 'ch2');
    const out: string[] = [];
    const code = await runCli(['logs', 'ch2', '--follow'], {
      env: {}, fetch, followPollMs: 5, err: (text) => out.push(`err: ${text}`),
      out: (text) => {
        out.push(text);
        // Each line printed makes the workflow write the next, until `finish` closes it.
        if (text.includes(' noted ')) void duro('signal', 'ch2', 'add', '--args', '[1]');
        if (text.includes(' added ')) void duro('signal', 'ch2', 'finish');
      },
    });
    expect(code).toBe(0);
    expect(out.map((line) => line.split('  ').slice(1).join('  '))).toEqual([
      'INFO   workflow  started order=o-1 note="two words"',
      'INFO   note#1  noted text=hi',
      'INFO   workflow  added n=1',
      'WARN   workflow  finishing',
    ]);
    expect((await duro('describe', 'ch2', '--json')).json()).toMatchObject({ status: 'completed' });
  });
});
