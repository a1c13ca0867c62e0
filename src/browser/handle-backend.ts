// What a BrowserWorkflowHandle asks of the BrowserDuro that made it: kept apart so the handle and BrowserDuro,
// which creates handles, do not import each other.
import type { Execution } from '../core/execution/execution';
import type { RunPayloads } from '../core/payloads/run-payloads';

/** Implemented by BrowserDuro. */
export interface HandleBackend {
  /** Runs `call` on the execution driven here (adopted if no tab drives it); refused while another tab drives an open run. */
  withDriven<T>(workflowId: string, call: (execution: Execution) => Promise<T>): Promise<T>;
  /** The execution driven here, or the one storage holds when another tab drives it. */
  forReading(workflowId: string): Promise<{ execution: Execution; driven: boolean }>;
  tryAdopt(workflowId: string): Promise<boolean>;
  /** How handles write what they send and read what they are answered (the host's converter). */
  readonly payloads: RunPayloads;
}
