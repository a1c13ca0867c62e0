// The blob store the browser host keeps large payloads in (`payloads.blobs`, the claim check): IndexedDB beside the
// run database when the option is `true`, or the store the app passes (which stays the app's to close).
import { checkBlobThreshold } from '../core/payloads/blob-reference';
import { RowBlobs } from '../core/payloads/row-blobs';
import type { BrowserDuroOptions } from './browser-options';
import { IndexedDbBlobStore } from './indexeddb-blob-store';

export interface BrowserBlobs {
  rows: RowBlobs;
  /** Closes the store when the host opened it. */
  close(): void;
}

/** Undefined without `payloads.blobs`; throws a TypeError naming the option for a threshold out of range. */
export async function openBrowserBlobs(options: BrowserDuroOptions): Promise<BrowserBlobs | undefined> {
  const { blobs, blobThresholdBytes } = options.payloads ?? {};
  checkBlobThreshold(blobThresholdBytes);
  if (blobs === undefined) return undefined;
  const thresholds = blobThresholdBytes === undefined ? {} : { thresholdBytes: blobThresholdBytes };
  if (blobs !== true) return { rows: new RowBlobs(blobs, thresholds), close: () => undefined };
  const store = await IndexedDbBlobStore.open(options.dbName, options.indexedDB, options.IDBKeyRange);
  return { rows: new RowBlobs(store, thresholds), close: () => store.close() };
}
