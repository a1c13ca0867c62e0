// The host conformance suite (./suite.ts) on the browser host: a BrowserDuro on fake-indexeddb, with fake Web Locks
// (../unit/browser/fake-locks.ts), one database per case. Every call goes through `withDriven`, as a handle's signal
// does: it claims the workflow id's Web Lock, runs the call on the id's Execution, and lets the lock go once nothing
// of the id is open. A long `result` would hold the lock for all its wait, so it polls instead (waitMs 0, every
// 20 ms of real time, until the wait asked for is over). `sleep` is a real wait. A restart is a page reload: the
// BrowserDuro closes (timer stopped, attempts aborted, locks let go, database closed) and a new one opens on the same
// database and resumes what was open (`resumeAll`).
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { afterEach } from 'vitest';
import { createBrowserDuro, type BrowserDuro } from '../../src/browser';
import type { ResultReply, WorkflowExecutionRpc } from '../../src/protocol/execution-rpc';
import { answering } from '../../src/protocol/execution-answers';
import type { Reply } from '../../src/protocol/reply';
import { activities, workflows } from '../fixtures/integration-worker/workflows';
import { sharedLocks } from '../unit/browser/fake-locks';
import { runHostSuite, type HostUnderTest } from './suite';

const POLL_MS = 20;
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let databases = 0;
/** Every BrowserDuro a case opened, closed after it so no timer of one case fires into the next; and those closed. */
const opened: BrowserDuro[] = [];
const closed = new WeakSet<BrowserDuro>();

function close(duro: BrowserDuro): void {
  closed.add(duro);
  duro.close();
}

afterEach(() => {
  for (const duro of opened.splice(0)) close(duro);
});

async function browserHost(): Promise<HostUnderTest> {
  const dbName = `duro-host-suite-${++databases}`;
  const locks = sharedLocks(); // the origin's lock manager: it outlives a reload of the page
  const open = async () => {
    const duro: BrowserDuro = await createBrowserDuro({
      workflows, activities, dbName, indexedDB, IDBKeyRange, locks, payloads: { converter: 'rich' },
      // Work a closed instance still had in flight fails on its closed database (the Messenger opening a parent to tell
      // it that its abandoned child closed, when the case ends just then): a page that unloads never hears of it either.
      onError: (error) => void (closed.has(duro) || console.error('duro:', error)),
    });
    opened.push(duro);
    return duro;
  };
  let duro = await open();

  const driven = <T>(workflowId: string, call: (rpc: WorkflowExecutionRpc) => Promise<T>): Promise<T> =>
    duro.withDriven(workflowId, (execution) => call(answering(execution)));

  /** A result waited for by polling, so the call never holds the lock while it waits. */
  async function polledResult(workflowId: string, options: Parameters<WorkflowExecutionRpc['result']>[0]): Promise<Reply<ResultReply>> {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      const reply = await driven(workflowId, (rpc) => rpc.result({ ...options, waitMs: 0 }));
      if (!reply.ok || reply.value.status !== 'running' || Date.now() >= deadline) return reply;
      await wait(Math.min(POLL_MS, deadline - Date.now()));
    }
  }

  return {
    execution(workflowId) {
      return new Proxy({} as WorkflowExecutionRpc, {
        get: (_target, method) => {
          if (typeof method !== 'string' || method === 'then') return undefined;
          if (method === 'result') return (options: Parameters<WorkflowExecutionRpc['result']>[0]) => polledResult(workflowId, options);
          return (...args: unknown[]) => driven(workflowId, (rpc) => (rpc as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!(...args));
        },
      });
    },
    sleep: wait,
    async restart() {
      close(duro);
      duro = await open();
      await duro.resumeAll();
    },
  };
}

runHostSuite('browser (IndexedDB)', { newHost: browserHost });
