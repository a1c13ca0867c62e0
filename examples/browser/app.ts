// The example page (examples/browser/index.html): starts `uploadBatch` runs in this tab with `duro/browser`, shows
// their progress by polling the `progress` query, and continues an interrupted run after a reload (`resumeAll()`).
// Opened in two tabs, one drives the run and the other follows it, taking over when the first closes.
// What an automated test needs is on `window.duroExample`.
import { createBrowserDuro, type BrowserWorkflowHandle } from 'duro/browser';
import type { HistoryEvent } from 'duro/workflow';
import { activities, cancelUpload, progress, uploadBatch, uploadCounts, type UploadProgress, type UploadResult } from './workflows';

// The few DOM APIs used here (the repo's tsconfig has no DOM lib; this file is bundled for the browser).
interface Element {
  textContent: string | null;
  value: string;
  max: number;
  disabled: boolean;
  addEventListener(type: string, listener: () => void): void;
}
declare const document: { getElementById(id: string): Element };
declare const window: { duroExample?: unknown; addEventListener(type: string, listener: () => void): void };
declare const localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };

const CURRENT = 'duro-example:current';
const UNLOADS = 'duro-example:unloads';
const POLL_MS = 50;
const DB_NAME = 'duro-example';
/** Which tab drives the run, as `duro.driverOf` tells (the holder of the run's Web Lock). */
type Driver = 'this tab' | 'another tab' | 'no tab';
const DRIVERS = { here: 'this tab', elsewhere: 'another tab', none: 'no tab' } as const;

const $ = (id: string) => document.getElementById(id);
const duro = await createBrowserDuro({ workflows: { uploadBatch }, activities, dbName: DB_NAME });
let handle: BrowserWorkflowHandle<typeof uploadBatch> | undefined;
let lastProgress: UploadProgress | undefined;
let lastResult: UploadResult | undefined;
let lastError: string | undefined;
let notice = '';
/** Who drove the watched run at each change this tab saw while it was open, oldest first. */
let drivers: Driver[] = [];

async function noteDriver(workflowId: string): Promise<void> {
  const driver = await duro.driverOf(workflowId).then((who) => DRIVERS[who], () => undefined);
  if (driver && drivers.at(-1) !== driver) drivers.push(driver);
}

const DRIVER_TEXT: Record<Driver, string> = {
  'this tab': 'this tab',
  'another tab': 'another tab (this one follows its progress, and takes the run over when that tab closes)',
  'no tab': 'no tab',
};

function show(): void {
  const bar = $('bar');
  if (lastProgress) {
    bar.max = lastProgress.total;
    bar.value = String(lastProgress.done);
    const at = lastProgress.phase === 'uploading' ? ` (uploading file ${(lastProgress.current ?? 0) + 1})` : ` (${lastProgress.phase})`;
    $('status').textContent = `${lastProgress.done} / ${lastProgress.total}${at}`;
  }
  $('result').textContent = lastError ?? (lastResult ? JSON.stringify(lastResult, null, 2) : '');
  const driver = drivers.at(-1);
  $('driver').textContent = lastResult || lastError ? 'no tab (the run is closed)' : driver ? DRIVER_TEXT[driver] : '–';
  $('notice').textContent = notice;
  if (handle) $('counts').textContent = [
    `uploads:  ${JSON.stringify(uploadCounts(handle.workflowId, 'uploads'))}`,
    `attempts: ${JSON.stringify(uploadCounts(handle.workflowId, 'attempts'))}`,
  ].join('\n');
  $('start').disabled = !!handle && !lastResult && !lastError;
}

/** Follows one run: polls its progress until it closes, then shows the result. */
async function watch(current: BrowserWorkflowHandle<typeof uploadBatch>): Promise<void> {
  handle = current;
  lastProgress = undefined;
  lastResult = undefined;
  lastError = undefined;
  notice = '';
  drivers = [];
  let closed = false;
  const outcome = current.result().then(
    (result) => void (lastResult = result),
    (error: unknown) => void (lastError = `failed: ${error instanceof Error ? error.message : String(error)}`),
  ).finally(() => {
    closed = true;
    show();
  });
  while (!closed && handle === current) {
    try {
      lastProgress = await current.query(progress);
    } catch {
      // Between a reload and the run's adoption a query can miss; the next poll asks again.
    }
    await noteDriver(current.workflowId);
    show();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await outcome;
  lastProgress = await current.query(progress).catch(() => lastProgress);
  show();
  $('status').textContent += ' ✓';
}

async function start(files: number): Promise<string> {
  const workflowId = `upload-${Date.now()}`;
  const started = await duro.start(uploadBatch, { workflowId, input: { files } });
  localStorage.setItem(CURRENT, workflowId);
  void watch(started);
  return workflowId;
}

/** Asks the run to stop after the current file; a tab that does not drive it is refused (`WorkflowDrivenElsewhere`). */
async function cancel(): Promise<{ sent: true } | { sent: false; type: string; message: string }> {
  if (!handle) return { sent: false, type: 'NoRun', message: 'no run to cancel' };
  try {
    await handle.signal(cancelUpload);
    notice = 'Cancel requested: the run stops after the current file.';
    return { sent: true };
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    const refused = { sent: false as const, type: typeof type === 'string' ? type : 'Error', message: error instanceof Error ? error.message : String(error) };
    notice = `Cancel refused (${refused.type}): ${refused.message}`;
    return refused;
  } finally {
    show();
  }
}

// Before the tab goes away, note where the run was (the test checks that its reloads hit an upload and a sleep).
window.addEventListener('pagehide', () => {
  const unloads = JSON.parse(localStorage.getItem(UNLOADS) ?? '[]') as unknown[];
  unloads.push(lastProgress ?? null);
  localStorage.setItem(UNLOADS, JSON.stringify(unloads));
});

$('start').addEventListener('click', () => void start(Math.max(1, Number($('files').value) || 1)));
$('cancel').addEventListener('click', () => void cancel());

await duro.resumeAll();
const previous = localStorage.getItem(CURRENT);
if (previous) void watch(duro.getHandle<typeof uploadBatch>(previous));
show();

window.duroExample = {
  ready: true,
  start,
  workflowId: () => handle?.workflowId,
  progress: () => lastProgress,
  settled: () => lastResult ?? lastError,
  result: () => handle!.result(),
  history: (): Promise<HistoryEvent[]> => handle!.fetchHistory(),
  describe: () => handle!.describe(),
  runs: () => duro.store.runsOf(handle!.workflowId),
  counts: () => ({ uploads: uploadCounts(handle!.workflowId, 'uploads'), attempts: uploadCounts(handle!.workflowId, 'attempts') }),
  unloads: () => JSON.parse(localStorage.getItem(UNLOADS) ?? '[]') as unknown[],
  /** Who drove the watched run, as last seen while it was open ('this tab', 'another tab', 'no tab'), and every change seen. */
  driver: () => drivers.at(-1),
  drivers: () => [...drivers],
  cancel,
};
