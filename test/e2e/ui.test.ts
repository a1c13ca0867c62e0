// End to end: the web UI (src/ui, docs/ui.md) in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core; no browser is downloaded) against this repo's Worker under `wrangler dev` with an API token.
// A reviewer can follow each step in the screenshots saved to test/artifacts/ui-*.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiHttp } from './api-http';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test/artifacts');
const CHROMIUM = process.env.DURO_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const TOKEN = 'ui-e2e-token';
const MARKUP = '<img src=x onerror=globalThis.injected=1>';
/** Every wait on the page is bounded by this. */
const STEP_MS = 15_000;

if (!hasChromium) console.warn(`ui.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set DURO_CHROMIUM)`);

let dev: WranglerDev | undefined;
let browser: Browser | undefined;
let page: Page;
let api: ApiHttp;
let work: string;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `ui-${name}.png`), fullPage: true, timeout: STEP_MS });
}

/** A screenshot of one part of the page: a full-page capture lays the page out again and loses a zoomed chart's scroll. */
async function shotOf(name: string, part: Locator): Promise<void> {
  await part.screenshot({ path: join(ARTIFACTS, `ui-${name}.png`), timeout: STEP_MS });
}

/** The workflow ids of the list's rows, in order. */
async function listedIds(): Promise<string[]> {
  return page.locator('tr[data-workflow-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-workflow-id') ?? ''));
}

/** The number on a counts-by-status link ('all' for the total). */
async function countOf(status: string): Promise<number> {
  const text = await page.locator(`a[data-count="${status}"] strong`).textContent({ timeout: STEP_MS });
  return Number(text);
}

async function filterList(workflowType: string, status: string): Promise<void> {
  const form = page.getByRole('search', { name: 'Filter executions' });
  await form.getByLabel('Workflow type').fill(workflowType);
  await form.getByLabel('Status').selectOption(status);
  await form.getByRole('button', { name: 'Apply filters' }).click();
}

function actionForm(key: string): Locator {
  return page.locator(`form[data-action="${key}"]`);
}

/** Polls the API until the Visibility index (eventually consistent) shows what the UI is expected to list. */
async function waitForCount(filters: string, count: number): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const reply = await api.call('GET', `/v1/workflows/count?${filters}`);
    if (reply.body?.count === count) return;
    if (Date.now() > deadline) throw new Error(`count ${filters} is ${reply.text}, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasChromium)(`the web UI${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'duro-e2e-ui-'));
    const port = await freePort();
    dev = await WranglerDev.start({
      config: join(ROOT, 'wrangler.toml'), port, inspectorPort: await freePort(), persistTo: join(work, 'state'), vars: { DURO_API_TOKEN: TOKEN },
    });
    api = new ApiHttp(dev.url, TOKEN);
    await api.start('hello', 'hello-ada', { name: 'ada' });
    await api.start('hello', 'hello-bob', { name: MARKUP }); // data the page must show as text
    await api.start('hello', 'hello-sleepy', { name: 'zed', waitFor: '1 hour' });
    await api.start('shoppingCart', 'cart-1', {});
    await api.start('shoppingCart', 'cart-2', {});
    const schedule = await api.call('POST', '/v1/schedules', { scheduleId: 'ui-nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin', workflowType: 'hello', input: { name: 'night' } });
    expect(schedule.status, schedule.text).toBe(201);
    expect(await api.resultOf('hello-ada')).toMatchObject({ status: 'completed' });
    expect(await api.resultOf('hello-bob')).toMatchObject({ status: 'completed' });
    await waitForCount('workflowType=hello&status=completed', 2);
    await waitForCount('workflowType=shoppingCart&status=running', 2);
    await waitForCount('workflowType=hello&status=running', 1);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: STEP_MS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);

  beforeEach(({ onTestFailed }) => onTestFailed(async () => {
    console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}`);
    await shot('failed').catch(() => undefined);
  }));

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]).catch(() => undefined);
    await dev?.kill().catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves the page without the token, and asks for one when the API refuses', async () => {
    const reply = await fetch(`${dev!.url}/ui`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(reply.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = (await reply.text()).match(/src="(\/ui\/app\.[0-9a-f]{8}\.js)"/)?.[1];
    const asset = await fetch(`${dev!.url}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${dev!.url}/v1/workflows`)).status).toBe(401); // the API itself still needs the token

    await page.goto(`${dev!.url}/ui`);
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: STEP_MS }).toContain('API token');
    await shot('01-asks-for-token');
  });

  it('lists executions with counts by status once the token is entered', async () => {
    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('tr[data-workflow-id]').first().waitFor();
    expect((await listedIds()).sort()).toEqual(['cart-1', 'cart-2', 'hello-ada', 'hello-bob', 'hello-sleepy']);
    expect(await countOf('all')).toBe(5);
    expect(await countOf('running')).toBe(3);
    expect(await countOf('completed')).toBe(2);
    expect(await page.locator('#token-state').textContent()).toContain('token is set');
    await shot('02-executions');
  });

  it('filters the list by type and status, and pages through it', async () => {
    await filterList('shoppingCart', 'running');
    await expect.poll(async () => (await listedIds()).sort(), { timeout: STEP_MS }).toEqual(['cart-1', 'cart-2']);
    expect(await countOf('running')).toBe(2);
    await shot('03-filter-carts-running');

    await filterList('hello', 'completed');
    await expect.poll(async () => (await listedIds()).sort(), { timeout: STEP_MS }).toEqual(['hello-ada', 'hello-bob']);
    expect(await countOf('all')).toBe(3); // counts leave the status filter out
    expect(await countOf('completed')).toBe(2);
    expect(await countOf('running')).toBe(1);
    await shot('04-filter-hello-completed');

    await page.locator('a[data-count="running"]').click();
    await expect.poll(listedIds, { timeout: STEP_MS }).toEqual(['hello-sleepy']);

    await page.goto(`${dev!.url}/ui#/workflows?workflowType=hello&pageSize=2`);
    await expect.poll(listedIds, { timeout: STEP_MS }).toEqual(['hello-sleepy', 'hello-bob']); // newest first
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(listedIds, { timeout: STEP_MS }).toEqual(['hello-ada']);
    expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(listedIds, { timeout: STEP_MS }).toEqual(['hello-sleepy', 'hello-bob']);

    // datetime-local inputs take the browser's local time, which is this process's.
    const inAnHour = new Date(Date.now() + 3_600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    const form = page.getByRole('search', { name: 'Filter executions' });
    await form.getByLabel('Started after').fill(inAnHour);
    await form.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No executions match these filters.').waitFor();
    expect(await countOf('all')).toBe(0);
    await form.getByLabel('Started after').fill('');
    await form.getByLabel('Started before').fill(inAnHour);
    await form.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(async () => (await listedIds()).sort(), { timeout: STEP_MS }).toEqual(['hello-ada', 'hello-bob', 'hello-sleepy']);
  });

  it('shows an execution: input, result (as text), pending timers and the timeline with durations', async () => {
    await page.getByRole('link', { name: 'hello-sleepy' }).click();
    await page.getByRole('heading', { name: /hello-sleepy/ }).waitFor();
    expect(await page.locator('tr[data-timer-id]').count()).toBe(1);
    expect(await page.getByRole('region', { name: 'Result' }).textContent()).toContain('Still running');

    await page.goto(`${dev!.url}/ui#/workflows?workflowType=hello&status=completed`);
    await page.getByRole('link', { name: 'hello-ada' }).click();
    await page.getByRole('heading', { name: /hello-ada/ }).waitFor();
    expect(await page.locator('[data-status-badge]').first().textContent()).toBe('completed');
    expect(await page.getByRole('region', { name: 'Input' }).textContent()).toContain('"name": "ada"');
    expect(await page.getByRole('region', { name: 'Result' }).textContent()).toContain('Hello, ada!');
    const types = await page.locator('tr[data-event-type]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type')));
    expect(types[0]).toBe('WorkflowExecutionStarted');
    expect(types).toContain('ActivityTaskScheduled');
    expect(types).toContain('ActivityTaskCompleted');
    expect(types.at(-1)).toBe('WorkflowExecutionCompleted');
    const completed = page.locator('tr[data-event-type="ActivityTaskCompleted"]');
    expect(await completed.textContent()).toMatch(/returned "Hello, ada!".*took \d/);
    expect(await page.locator('tr[data-event-type="WorkflowExecutionCompleted"] time').textContent()).toMatch(/^T\+\d/);
    await shot('05-execution-timeline');

    await page.goto(`${dev!.url}/ui#/workflows/hello-bob`);
    await page.getByRole('heading', { name: /hello-bob/ }).waitFor();
    expect(await page.getByRole('region', { name: 'Result' }).textContent()).toContain(`Hello, ${MARKUP}!`);
    // The run's kept log lines: the activity server's, sent back with its reply, then the workflow's.
    const logs = page.getByRole('region', { name: 'Logs' });
    const logRows = await logs.locator('tr[data-log-seq]').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].slice(1, 4).map((cell) => cell.textContent)));
    expect(logRows).toEqual([['info', 'composeGreeting #1', 'composing a greeting'], ['info', 'workflow', 'greeted']]);
    expect(await logs.textContent()).toContain(MARKUP.slice(0, 10)); // attributes, as text
    await logs.screenshot({ path: join(ARTIFACTS, 'ui-05b-logs.png'), timeout: STEP_MS });
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { injected?: number }).injected)).toBeUndefined();
  });

  it('sends a signal, an update and a query through the forms and shows the cart change', async () => {
    await page.goto(`${dev!.url}/ui#/workflows/cart-1`);
    await page.getByRole('heading', { name: /cart-1/ }).waitFor();
    const signal = actionForm('signal');
    // The name fields offer the run's handlers (the built-in __duro_workflow_metadata query).
    const offered = (key: string) => actionForm(key).locator('datalist option').evaluateAll((options) => options.map((option) => option.getAttribute('value')));
    expect(await offered('signal')).toContain('addItem');
    expect(await offered('update')).toContain('applyCoupon');
    expect(await offered('query')).toEqual(expect.arrayContaining(['getCart', '__duro_waiting']));
    await signal.getByLabel('Signal name').fill('addItem');
    await signal.getByLabel('Arguments (JSON)').fill('{"sku":"a","qty":2}');
    await signal.getByRole('button', { name: 'Send signal' }).click();
    await expect.poll(() => page.locator('#flash').textContent(), { timeout: STEP_MS }).toContain('Signal addItem sent');
    // The signal is in history once the API accepted it; Refresh only covers a render that raced the reply.
    await expect.poll(async () => {
      const count = await page.locator('tr[data-event-type="SignalReceived"]').count();
      if (count === 0) await page.getByRole('button', { name: 'Refresh' }).click();
      return count;
    }, { timeout: STEP_MS, interval: 500 }).toBe(1);
    expect(await page.locator('tr[data-event-type="SignalReceived"]').textContent()).toContain('addItem [{"sku":"a","qty":2}]');

    const update = actionForm('update');
    await update.getByLabel('Update name').fill('applyCoupon');
    await update.getByLabel('Arguments (JSON)').fill('{"code":"WELCOME10"}');
    await update.getByRole('button', { name: 'Send update' }).click();
    await expect.poll(() => page.locator('#flash').textContent(), { timeout: STEP_MS }).toContain('Update applyCoupon answered {"result":{');
    expect(await page.locator('#flash').textContent()).toContain('"coupon":{"code":"WELCOME10","percentOff":10}');
    // The page rendered again: the update's events are in the timeline without a Refresh.
    await expect.poll(() => page.locator('tr[data-event-type="UpdateCompleted"]').count(), { timeout: STEP_MS }).toBe(1);

    const queryForm = actionForm('query');
    await queryForm.getByLabel('Query name').fill('getCart');
    await queryForm.getByRole('button', { name: 'Run query' }).click();
    await expect.poll(() => queryForm.locator('output').textContent(), { timeout: STEP_MS }).toContain('"sku": "a"');
    const cart = JSON.parse((await queryForm.locator('output pre').textContent())!);
    expect(cart).toEqual({ items: [{ sku: 'a', qty: 2 }], status: 'open', coupon: { code: 'WELCOME10', percentOff: 10 } });
    await shot('06-signal-update-query');

    await update.getByLabel('Update name').fill('applyCoupon');
    await update.getByLabel('Arguments (JSON)').fill('{"code":"SPRING20"}');
    await update.getByRole('button', { name: 'Send update' }).click();
    await expect.poll(() => update.getByRole('alert').textContent(), { timeout: STEP_MS }).toContain('expired');

    // A name no handler knows is still sent (Temporal's semantics), with a warning.
    await actionForm('signal').getByLabel('Signal name').fill('addItme');
    await actionForm('signal').getByRole('button', { name: 'Send signal' }).click();
    await expect.poll(() => page.locator('[data-unknown-signal="addItme"]').count(), { timeout: STEP_MS }).toBe(1);
    expect(await page.locator('#flash').textContent()).toContain('No handler named addItme is set now');
    await shot('06b-unknown-signal');
  });

  it('refreshes an open run by itself: a signal sent from elsewhere shows up without pressing Refresh', async () => {
    await page.goto(`${dev!.url}/ui#/workflows/cart-1`);
    await page.getByRole('heading', { name: /cart-1/ }).waitFor();
    const signals = () => page.locator('tr[data-event-type="SignalReceived"]').count();
    const before = await signals();
    const sent = await api.call('POST', '/v1/workflows/cart-1/signals/addItem', { args: [{ sku: 'live', qty: 1 }] });
    expect(sent.status, sent.text).toBe(202);
    await expect.poll(signals, { timeout: STEP_MS, interval: 500 }).toBe(before + 1);
  });

  it('pauses and unpauses an execution, and says where it waits (the built-in __duro_waiting query)', async () => {
    await page.goto(`${dev!.url}/ui#/workflows/hello-sleepy`);
    await page.getByRole('heading', { name: /hello-sleepy/ }).waitFor();
    await actionForm('pause').getByLabel('Reason').fill('a look around');
    await actionForm('pause').getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.locator('#flash').textContent(), { timeout: STEP_MS }).toContain('hello-sleepy paused');
    await expect.poll(() => actionForm('unpause').count(), { timeout: STEP_MS }).toBe(1);
    const queryForm = actionForm('query');
    await queryForm.getByLabel('Query name').fill('__duro_waiting');
    await queryForm.getByRole('button', { name: 'Run query' }).click();
    await expect.poll(() => queryForm.locator('output').textContent(), { timeout: STEP_MS }).toContain('"timers"');
    expect(JSON.parse((await queryForm.locator('output pre').textContent())!)).toMatchObject({ timers: [{ timerId: expect.any(String) }], conditions: 0 });
    await shot('07a-paused-waiting');
    await actionForm('unpause').getByRole('button', { name: 'Unpause' }).click();
    await expect.poll(() => page.locator('#flash').textContent(), { timeout: STEP_MS }).toContain('hello-sleepy unpaused');
    await expect.poll(() => actionForm('pause').count(), { timeout: STEP_MS }).toBe(1);
  });

  it('terminates an execution through the form', async () => {
    await page.goto(`${dev!.url}/ui#/workflows/cart-2`);
    await page.getByRole('heading', { name: /cart-2/ }).waitFor();
    const terminate = actionForm('terminate');
    await terminate.getByLabel('Reason').fill('cleared by the UI test');
    await terminate.getByRole('button', { name: 'Terminate' }).click();
    // A dangerous action asks once more before it acts.
    expect(await terminate.locator('output').textContent()).toContain('Press again to terminate');
    expect(await page.locator('h2 [data-status-badge]').textContent()).toBe('running');
    await terminate.getByRole('button', { name: 'Confirm: terminate' }).click();
    await expect.poll(() => page.locator('h2 [data-status-badge]').textContent(), { timeout: STEP_MS }).toBe('terminated');
    expect(await page.getByRole('region', { name: 'Failure' }).textContent()).toContain('cleared by the UI test');
    expect(await page.locator('tr[data-event-type="WorkflowExecutionTerminated"]').textContent()).toContain('cleared by the UI test');
    await shot('07-terminated');
  });

  it('lists schedules with their next runs, pauses and triggers one', async () => {
    await page.getByRole('link', { name: 'Schedules' }).click();
    const row = page.locator('tr[data-schedule-id="ui-nightly"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('cron 0 2 * * *, in Europe/Berlin');
    expect(await row.locator('.next-runs li').count()).toBeGreaterThan(0);
    expect(await row.locator('.state').textContent()).toBe('active');
    await shot('08-schedules');

    await row.getByRole('button', { name: 'Pause schedule ui-nightly' }).click();
    await expect.poll(() => row.locator('.state').textContent(), { timeout: STEP_MS }).toBe('paused');
    expect(await row.locator('.next-runs').count()).toBe(0);
    expect((await api.call('GET', '/v1/schedules/ui-nightly')).body.paused).toBe(true);

    await row.getByRole('button', { name: 'Trigger now schedule ui-nightly' }).click();
    await expect.poll(() => page.locator('#flash').textContent(), { timeout: STEP_MS }).toMatch(/Triggered ui-nightly: started ui-nightly-/);
    await expect.poll(() => row.locator('td').nth(5).textContent(), { timeout: STEP_MS }).toBe('1');
    await shot('09-schedule-paused-triggered');

    await page.locator('#flash a').click();
    await page.getByRole('heading', { name: /ui-nightly-/ }).waitFor();
    expect(await page.getByRole('region', { name: 'Input' }).textContent()).toContain('"name": "night"');
    await shot('10-triggered-action');
    expect(pageErrors).toEqual([]);
  });

  it('resets a finished execution to the end of its first activation: a new run, shown at once', async () => {
    const history = await api.historyOf('hello-ada');
    const firstActivationEnd = history.find((event) => event.type === 'WorkflowTaskCompleted')!.eventId;
    await page.goto(`${dev!.url}/ui#/workflows/hello-ada`);
    await page.getByRole('heading', { name: /hello-ada/ }).waitFor();
    const oldRunId = history[0]!.runId as string;
    const reset = actionForm('reset');
    await reset.getByLabel(/To the end of activation/).fill(String(firstActivationEnd));
    await reset.getByLabel('Reason').fill('the UI test');
    await reset.getByRole('button', { name: 'Reset' }).click();
    await reset.getByRole('button', { name: 'Confirm: reset' }).click();
    const hash = () => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
    await expect.poll(hash, { timeout: STEP_MS }).toMatch(/^#\/workflows\/hello-ada\?runId=/);
    const newRunId = new URLSearchParams((await hash()).split('?')[1]).get('runId');
    expect(newRunId).not.toBe(oldRunId);
    expect(await api.resultOf('hello-ada')).toMatchObject({ status: 'completed' });
    await page.getByRole('heading', { name: /hello-ada/ }).waitFor();
    await shot('11-reset');
    expect(pageErrors).toEqual([]);
  });

  it('draws a run as a timeline: a lane per activity, timer, child and update, bars by outcome, messages as marks, zoom, details, child links', async () => {
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    // Between them: a retried activity, a failed one, a timer, a signal, children, and an activity still retrying.
    await api.start('orderSaga', 'tl-order', { flakyAt: 'charge' });
    await api.start('orderSaga', 'tl-order-failed', { failAt: 'fulfil' });
    await api.start('hello', 'tl-hello', { name: 'nobody', waitFor: '2s' });
    const signaled = await api.call('POST', '/v1/workflows/tl-hello/signals/setName', { args: ['timeline'] });
    expect(signaled.status, signaled.text).toBe(202);
    await api.start('fanOut', 'tl-fan', { children: 2, tasksPerChild: 2 });
    await api.start('batchWithHeartbeats', 'tl-batch', { items: 100, chunkSize: 1, chunkDelay: '400ms', crashAt: 2 });
    expect(await api.resultOf('tl-order')).toMatchObject({ status: 'completed' });
    expect(await api.resultOf('tl-order-failed')).toMatchObject({ status: 'failed' });
    expect(await api.resultOf('tl-hello')).toMatchObject({ status: 'completed', result: 'Hello, timeline!' });
    expect(await api.resultOf('tl-fan')).toMatchObject({ status: 'completed' });

    const lane = (kind: string, label: RegExp | string) => page.locator(`.chart-row[data-lane-kind="${kind}"]`).filter({ has: page.locator('.lane-name', { hasText: label }) });
    const labels = (kind: string) => page.locator(`.chart-row[data-lane-kind="${kind}"]`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-lane-label')));
    const details = page.locator('#timeline-details');
    const timeline = page.getByRole('region', { name: 'Timeline' });

    // A retried activity: one bar from scheduled to completed, its lane says after how many attempts.
    await page.goto(`${dev!.url}/ui#/workflows/tl-order`);
    await page.getByRole('heading', { name: / tl-order / }).waitFor();
    expect(await labels('activity')).toEqual([expect.stringMatching(/^reserveInventory /), expect.stringMatching(/^chargePayment /), expect.stringMatching(/^fulfilOrder /)]);
    const charge = lane('activity', /^chargePayment/);
    expect(await charge.locator('.bar').getAttribute('data-outcome')).toBe('completed');
    expect(await charge.locator('.lane-status').textContent()).toMatch(/^completed after 2 attempts, \d/);
    expect(await page.locator('.lane-run .bar').getAttribute('data-outcome')).toBe('completed');
    await charge.locator('.bar').click();
    await expect.poll(() => details.locator('h4').textContent(), { timeout: STEP_MS }).toMatch(/^Activity chargePayment/);
    expect(await details.locator('tr[data-detail-event]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-detail-event'))))
      .toEqual(['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted']);
    expect(await details.textContent()).toContain('the earlier attempts failed and were retried');
    await shotOf('12-timeline-retried-activity', timeline);

    // A failed step and the compensations that ran after it.
    await page.goto(`${dev!.url}/ui#/workflows/tl-order-failed`);
    await page.getByRole('heading', { name: / tl-order-failed / }).waitFor();
    await lane('activity', /^fulfilOrder/).waitFor();
    expect(await lane('activity', /^fulfilOrder/).locator('.bar').getAttribute('data-outcome')).toBe('failed');
    expect(await lane('activity', /^releaseInventory/).locator('.bar').getAttribute('data-outcome')).toBe('completed');
    expect(await page.locator('.lane-run .bar').getAttribute('data-outcome')).toBe('failed');
    await shotOf('13-timeline-failed-step', timeline);

    // A timer and a signal; zoom in and out, and the axis labels follow.
    await page.goto(`${dev!.url}/ui#/workflows/tl-hello`);
    await page.getByRole('heading', { name: / tl-hello / }).waitFor();
    await lane('timer', /^Timer /).waitFor();
    expect(await lane('timer', /^Timer /).locator('.bar').getAttribute('data-outcome')).toBe('completed');
    expect(await lane('timer', /^Timer /).locator('.lane-status').textContent()).toMatch(/^fired, 2\./);
    expect(await page.locator('.mark[data-mark-kind="signal"]').count()).toBe(1);
    const ticks = () => page.locator('.chart-axis .tick-label').allTextContents();
    const scroller = page.locator('.chart-scroll');
    const overflow = () => scroller.evaluate((element) => element.scrollWidth - element.clientWidth);
    const fitted = await ticks();
    expect(fitted[0]).toBe('T+0');
    expect(await overflow()).toBeLessThanOrEqual(1);
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    expect(await page.locator('.zoom-level').textContent()).toBe('\u00d74');
    expect(await overflow()).toBeGreaterThan(1000); // the chart scrolls now
    expect(await ticks()).not.toEqual(fitted); // finer steps
    await shotOf('14-timeline-zoomed', timeline);
    await page.getByRole('button', { name: 'Zoom out' }).click();
    expect(await page.locator('.zoom-level').textContent()).toBe('\u00d72');
    const box = (await scroller.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + 60);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    await expect.poll(() => page.locator('.zoom-level').textContent(), { timeout: STEP_MS }).toBe('\u00d72.5');
    await page.getByRole('button', { name: 'Fit' }).click();
    expect(await ticks()).toEqual(fitted);
    expect(await overflow()).toBeLessThanOrEqual(1);
    // A mark opens its event; the keyboard reaches it too.
    await page.locator('.mark[data-mark-kind="signal"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => details.locator('h4').textContent(), { timeout: STEP_MS }).toMatch(/^Signal at T\+/);
    expect(await details.locator('tr[data-detail-event]').textContent()).toContain('setName ["timeline"]');
    await shotOf('15-timeline-timer-signal', timeline);

    // Children: a lane each, whose label leads to the child's own view.
    await page.goto(`${dev!.url}/ui#/workflows/tl-fan`);
    await page.getByRole('heading', { name: / tl-fan / }).waitFor();
    await lane('child', 'tl-fan-child-1').waitFor();
    expect(await labels('child')).toEqual(['fanOutChild tl-fan-child-1', 'fanOutChild tl-fan-child-2']);
    expect(await lane('child', 'tl-fan-child-2').locator('.bar').getAttribute('data-outcome')).toBe('completed');
    await shotOf('16-timeline-children', timeline);
    await lane('child', 'tl-fan-child-1').getByRole('link', { name: 'fanOutChild tl-fan-child-1' }).click();
    await page.getByRole('heading', { name: /tl-fan-child-1/ }).waitFor();
    expect(await labels('activity')).toEqual([expect.stringMatching(/^fanOutTask /), expect.stringMatching(/^fanOutTask /)]);

    // An activity still retrying: its attempt now and why the first failed come from the run's description. Zoom and
    // the open details survive the 3 s refresh.
    await expect.poll(async () => {
      const activity = (await api.describe('tl-batch')).body.pendingActivities[0];
      return activity ? `${activity.attempt} ${activity.state}` : 'none';
    }, { timeout: STEP_MS, interval: 200 }).toBe('2 running');
    await page.goto(`${dev!.url}/ui#/workflows/tl-batch`);
    await page.getByRole('heading', { name: / tl-batch / }).waitFor();
    const batch = lane('activity', /^processBatch/);
    await batch.waitFor();
    expect(await batch.locator('.bar').getAttribute('data-outcome')).toBe('running');
    expect(await batch.locator('.lane-status').textContent()).toMatch(/^running, attempt 2, \d/);
    expect(await batch.locator('.bar-tick.t-attempt').count()).toBe(1);
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await batch.locator('.bar').click();
    await expect.poll(() => details.locator('.attempt-list li').allTextContents(), { timeout: STEP_MS })
      .toEqual([expect.stringMatching(/^attempt 1 failed at .*SimulatedCrash: attempt 1 crashed before item 2$/)]);
    await batch.locator('.bar').evaluate((bar) => Object.assign(bar, { beforeRefresh: true }));
    await expect.poll(() => batch.locator('.bar').evaluate((bar) => 'beforeRefresh' in bar), { timeout: STEP_MS, interval: 500 }).toBe(false);
    expect(await page.locator('.zoom-level').textContent()).toBe('\u00d72');
    expect(await details.locator('h4').textContent()).toMatch(/^Activity processBatch/);
    expect(await batch.locator('.bar').getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('button', { name: 'Fit' }).click();
    await shotOf('17-timeline-retrying-activity', timeline);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
