// What createBrowserDuro and BrowserDuro.start take.
import type { WorkflowDefinition } from '../core/definitions';
import type { InProcessStartOptions } from '../core/start-options';
import type { IdbFactory, IdbKeyRangeStatic } from './indexeddb-types';
import type { ActivityHeadersHook, RemoteTaskQueue } from './remote-activity';
import type { LockManagerLike } from './run-locks';
import type { OtlpOptions } from '../protocol/otlp';
import type { PayloadOptions } from '../core/payloads/options';
import type { PayloadBlobStore } from '../core/payloads/blob-store';

export interface BrowserDuroOptions {
  /** Workflow definitions: a module object (`import * as workflows`) or an array. */
  workflows: Record<string, unknown> | WorkflowDefinition[];
  /** In-page activity implementations by name: every task queue not in `taskQueues` runs here. */
  activities?: Record<string, unknown>;
  /** The IndexedDB database holding history and run state (one per app). */
  dbName: string;
  /** Task queues served by an activity server over HTTP (docs/activities.md, sent unsigned). */
  taskQueues?: Record<string, RemoteTaskQueue>;
  /** Extra headers of each remote attempt: the app's own auth, which the server verifies as for any request of the user. */
  headers?: ActivityHeadersHook;
  /** Version of the page's code, recorded with blocked runs: a run blocked under another version is retried on load. */
  codeVersion?: string;
  /** Failures no caller waits for (a commit after a timer fired, an activity outcome). Default: console.error. */
  onError?: (error: unknown) => void;
  /** The IndexedDB factory and key range; default the page's own (tests pass fake-indexeddb's). */
  indexedDB?: IdbFactory;
  IDBKeyRange?: IdbKeyRangeStatic;
  /** fetch for remote activities; default the global one. */
  fetch?: typeof fetch;
  /** The Web Locks manager; default `navigator.locks`. Absent: this context is assumed to be the only driver. */
  locks?: LockManagerLike;
  /**
   * Where to export the runs' spans over OTLP/HTTP (docs/observability.md, Traces): a collector that accepts the page's
   * origin (CORS). Default: none, and no span is made.
   */
  tracing?: OtlpOptions;
  /**
   * How payloads are written and kept (docs/payloads.md): the converter of new values, codecs applied at rest, and
   * where large ones go (`blobs`, docs/browser.md "Large payloads").
   */
  payloads?: BrowserPayloadOptions;
}

/**
 * PayloadOptions as the browser takes them: `blobs: true` keeps history rows over `blobThresholdBytes` in IndexedDB,
 * in the database `<dbName>-blobs`; any other PayloadBlobStore may be passed instead.
 *
 * @example
 * const duro = await createBrowserDuro({ workflows, activities, dbName: 'my-app', payloads: { blobs: true } });
 */
export type BrowserPayloadOptions = Omit<PayloadOptions, 'blobs'> & {
  /** Where history rows over `blobThresholdBytes` are kept, history holding a reference; payloads may then be up to 100 MiB. Default: none. */
  blobs?: true | PayloadBlobStore;
};

export type BrowserStartOptions<I = unknown> = InProcessStartOptions<I>;
