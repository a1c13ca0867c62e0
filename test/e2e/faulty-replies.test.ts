// End to end (issue 15): a real `wrangler dev` against an activity server that answers badly on purpose. Every run
// ends with a typed failure, the attempts stay bounded (no side effect repeated for ever), a redirect target is never
// reached, and the run's history can still be read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiHttp } from './api-http';
import { FaultyActivityServer, type FaultMode } from './faulty-activity-server';
import { freePort, WranglerDev } from './wrangler-dev';

const TOKEN = 'e2e-faulty-token';
/** The reply cap of docs/operations.md: 2 MiB + 256 KiB. */
const REPLY_CAP = 2 * 1024 * 1024 + 256 * 1024;

let server: FaultyActivityServer;
let dev: WranglerDev | undefined;
let persistTo: string;
let api: ApiHttp;

beforeAll(async () => {
  server = await FaultyActivityServer.start();
  persistTo = mkdtempSync(join(tmpdir(), 'duro-e2e-faulty-'));
  const port = await freePort();
  dev = await WranglerDev.start({
    port,
    inspectorPort: await freePort(),
    persistTo,
    vars: { DURO_API_TOKEN: TOKEN, DURO_ACTIVITY_SECRET: 'e2e-faulty-secret', DURO_PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_ACTIVITY_URL: server.url },
  });
  api = new ApiHttp(dev.url, TOKEN);
}, 90_000);

beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}`)));

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  await server?.close();
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

/** Runs `replyProbe` (at most 3 attempts) against `mode`; answers its closed result, attempts and history. */
async function probe(mode: FaultMode) {
  const workflowId = `probe-${mode}-${Date.now().toString(36)}`;
  await api.start('replyProbe', workflowId, { mode });
  const result = await api.resultOf(workflowId, undefined, 60_000);
  const history = await api.call('GET', `/v1/workflows/${workflowId}/history`);
  return { workflowId, result, attempts: server.attempts.get(workflowId), history };
}

describe('replies an activity server should never send', () => {
  it.each([
    ['deepResult', 'ActivityReplyInvalid', 1],
    ['deepFailure', 'ActivityReplyInvalid', 1],
    ['truncated', 'ActivityReplyMalformed', 3],
    ['redirect', 'ActivityRedirected', 3],
    ['hugeSlow', 'PayloadTooLarge', 1],
  ] as const)('%s: the run fails with %s after %i attempt(s), and its history reads', async (mode, type, attempts) => {
    const run = await probe(mode);
    expect(run.result).toMatchObject({ status: 'failed', failure: { type: 'ActivityFailure', cause: { type } } });
    expect(run.attempts).toBe(attempts);
    expect(run.history.status, run.history.text.slice(0, 300)).toBe(200);
    const failed = run.history.body.events.find((event: { type: string }) => event.type === 'ActivityTaskFailed');
    expect(failed).toMatchObject({ failure: { type: 'ActivityFailure', cause: { type } } });
    if (mode === 'redirect') {
      expect(run.result.failure.cause.message).toContain(`answered 307 to ${server.redirectTargetUrl}/stolen`);
      expect(server.redirectTargetHits).toEqual([]);
    }
    if (mode === 'hugeSlow') {
      // What got out before workerd hung up: about the cap plus socket buffers, far from 150 MB.
      expect(server.hugeBytesWritten.get(run.workflowId)).toBeLessThan(REPLY_CAP + 16 * 1024 * 1024);
    }
  }, 90_000);
});
