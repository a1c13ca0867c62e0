// The browser example's workflow: a resumable batch upload. Each file is one in-page activity (`uploadFile`, a
// simulated upload), followed by a short sleep; a reload of the page in the middle of either continues the run from
// IndexedDB (`duro/browser`), and every file is uploaded once.
import { defineQuery, defineSignal, defineWorkflow, type ActivityContext } from 'duro/workflow';

export interface UploadInput {
  /** Number of files in the batch. */
  files: number;
}

export interface UploadResult {
  files: number;
  uploaded: number;
  /** One receipt per uploaded file, in order. */
  receipts: string[];
  cancelled: boolean;
}

export interface UploadProgress {
  done: number;
  total: number;
  /** What the run is waiting on: an upload, the pause after one, or nothing (closed). */
  phase: 'uploading' | 'sleeping' | 'finished' | 'cancelled';
  /** The file being uploaded (0-based) while `phase` is `uploading`. */
  current?: number;
}

// The page's storage (this file is bundled for the browser; the repo's tsconfig has no DOM lib).
declare const localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };

export const progress = defineQuery<UploadProgress>('progress');
export const cancelUpload = defineSignal('cancelUpload');

/** How long the simulated upload of one file takes. */
export const UPLOAD_MS = 700;

// localStorage bookkeeping of the simulated server, per workflow id: how many times each file's upload took effect
// (`uploads`, kept at most 1 by the idempotency check) and how many attempts ran (`attempts`).
const key = (workflowId: string, what: 'uploads' | 'attempts') => `duro-example:${what}:${workflowId}`;

export function uploadCounts(workflowId: string, what: 'uploads' | 'attempts'): Record<string, number> {
  return JSON.parse(localStorage.getItem(key(workflowId, what)) ?? '{}') as Record<string, number>;
}

function bump(workflowId: string, what: 'uploads' | 'attempts', index: number): void {
  const counts = uploadCounts(workflowId, what);
  counts[index] = (counts[index] ?? 0) + 1;
  localStorage.setItem(key(workflowId, what), JSON.stringify(counts));
}

/** In-page activities: the upload of one file, idempotent by file index (a retry after a reload uploads nothing twice). */
export const activities = {
  async uploadFile(input: { index: number }, ctx: ActivityContext): Promise<string> {
    const { workflowId } = ctx.info;
    bump(workflowId, 'attempts', input.index);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, UPLOAD_MS);
      ctx.cancellationSignal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('upload aborted'));
      }, { once: true });
    });
    if (!uploadCounts(workflowId, 'uploads')[input.index]) bump(workflowId, 'uploads', input.index);
    return `file-${input.index}@${workflowId}`;
  },
};

export const uploadBatch = defineWorkflow('uploadBatch', async (ctx, input: UploadInput): Promise<UploadResult> => {
  const { uploadFile } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s', retry: { initialInterval: '100ms', maximumAttempts: 5 } });
  const receipts: string[] = [];
  let cancelled = false;
  let phase: UploadProgress['phase'] = 'uploading';
  ctx.setHandler(cancelUpload, () => void (cancelled = true));
  ctx.setHandler(progress, () => ({ done: receipts.length, total: input.files, phase, ...(phase === 'uploading' && { current: receipts.length }) }));
  for (let index = 0; index < input.files && !cancelled; index++) {
    phase = 'uploading';
    receipts.push(await uploadFile({ index }));
    phase = 'sleeping';
    await ctx.sleep('300ms');
  }
  phase = cancelled ? 'cancelled' : 'finished';
  return { files: input.files, uploaded: receipts.length, receipts, cancelled };
});
