// The example page (examples/browser/index.html): starts `uploadBatch` runs in this tab with `duro/browser`, shows
// their progress by polling the `progress` query, and continues an interrupted run after a reload (`resumeAll()`).
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

const $ = (id: string) => document.getElementById(id);
const duro = await createBrowserDuro({ workflows: { uploadBatch }, activities, dbName: 'duro-example' });
let handle: BrowserWorkflowHandle<typeof uploadBatch> | undefined;
let lastProgress: UploadProgress | undefined;
let lastResult: UploadResult | undefined;
let lastError: string | undefined;

function show(): void {
  const bar = $('bar');
  if (lastProgress) {
    bar.max = lastProgress.total;
    bar.value = String(lastProgress.done);
    const at = lastProgress.phase === 'uploading' ? ` (uploading file ${(lastProgress.current ?? 0) + 1})` : ` (${lastProgress.phase})`;
    $('status').textContent = `${lastProgress.done} / ${lastProgress.total}${at}`;
  }
  $('result').textContent = lastError ?? (lastResult ? JSON.stringify(lastResult, null, 2) : '');
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

// Before the tab goes away, note where the run was (the test checks that its reloads hit an upload and a sleep).
window.addEventListener('pagehide', () => {
  const unloads = JSON.parse(localStorage.getItem(UNLOADS) ?? '[]') as unknown[];
  unloads.push(lastProgress ?? null);
  localStorage.setItem(UNLOADS, JSON.stringify(unloads));
});

$('start').addEventListener('click', () => void start(Math.max(1, Number($('files').value) || 1)));
$('cancel').addEventListener('click', () => void handle?.signal(cancelUpload));

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
};
