// What createBrowserDuro and BrowserDuro.start take.
import type { WorkflowDefinition } from '../core/definitions';
import type { Duration } from '../core/duration';
import type { SearchAttributes } from '../core/history';
import type { RetryPolicy } from '../core/retry-policy';
import type { IdbFactory, IdbKeyRangeStatic } from './indexeddb-types';
import type { ActivityHeadersHook, RemoteTaskQueue } from './remote-activity';
import type { LockManagerLike } from './run-locks';

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
}

export interface BrowserStartOptions<I = unknown> {
  workflowId?: string;
  input?: I;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  runTimeout?: Duration;
  executionTimeout?: Duration;
  /** The first activation runs after this delay (signals sent meanwhile are recorded and delivered then). */
  startDelay?: Duration;
  /** The workflow's retry policy: `result()` follows the attempts. */
  retryPolicy?: RetryPolicy;
}
