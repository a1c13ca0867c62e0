// Rollbacks (Cloudflare's saga option on step.do): every step.do given `{ rollback }` that started is remembered in
// start order; when the instance fails (or is cancelled, Duro's terminate-with-rollback), the rollbacks run last-started
// first, each as a step of its own with `rollbackConfig`, and the chain stops at the first that fails for good.
// Rollback steps are local activity markers like any step: replay returns their outcome and never calls them again.
import { CancellationScope } from '../core/cancellation-scope';
import type { WorkflowContext } from '../core/context';
import type { WorkflowStepConfig, WorkflowStepContext } from './step-config';

/** What a rollback handler gets: the step it undoes, the error that failed the instance, and the step's output. */
export interface RollbackContext {
  /** The context of the step being rolled back: its name and count, the attempts it made, its config. */
  ctx: WorkflowStepContext;
  /** What failed the instance (for `terminate({ rollback: true })`, an Error named `Terminated`). */
  error: Error;
  /** The step's result; `undefined` when the step failed or had not finished. */
  output: unknown;
  /** @deprecated Cloudflare's older field: `${ctx.step.name}-${ctx.step.count}`. */
  stepName: string;
}

export type RollbackFn = (context: RollbackContext) => Promise<void> | void;

/** A rollback's own retries and timeout (Cloudflare's `Pick<WorkflowStepConfig, 'retries' | 'timeout'>`). */
export type WorkflowStepRollbackConfig = Pick<WorkflowStepConfig, 'retries' | 'timeout'>;

/** step.do's trailing argument. */
export interface WorkflowStepRollbackOptions {
  rollback: RollbackFn;
  rollbackConfig?: WorkflowStepRollbackConfig;
}

/** How the rollbacks of an instance ended: the query and the instance's failure details carry it. */
export interface RollbackOutcome {
  status: 'running' | 'complete' | 'failed';
  /** The error that started them. */
  trigger: { name: string; message: string };
  /** Steps with a rollback that had started. */
  totalSteps: number;
  completedSteps: number;
  /** The rollback that failed for good (`<step name>-<count>`) and its error; the rollbacks before it in line did not run. */
  failedStep?: string;
  error?: { name: string; message: string };
}

/** One step with a rollback, as it stands. */
export interface RollbackEntry {
  readonly options: WorkflowStepRollbackOptions;
  readonly stepContext: WorkflowStepContext;
  output?: unknown;
}

/** Runs the rollback of `step` as a step of its own with `config`, in the scope of `ctx` (step.ts). */
export type RollbackStepRunner = (ctx: WorkflowContext, step: { name: string; count: number }, config: WorkflowStepRollbackConfig | undefined, fn: () => Promise<void>) => Promise<void>;

/** Checks step.do's trailing argument with Cloudflare's rules (workers-sdk workflows-shared lib/rollback.ts). */
export function parseRollbackOptions(stepName: string, options: unknown): WorkflowStepRollbackOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`Rollback options for "${stepName}" must be an object`);
  const { rollback, rollbackConfig } = options as Partial<WorkflowStepRollbackOptions>;
  if (typeof rollback !== 'function') throw new TypeError(`Rollback for "${stepName}" must be a function`);
  if (rollbackConfig !== undefined && (typeof rollbackConfig !== 'object' || rollbackConfig === null)) throw new TypeError(`Rollback config for "${stepName}" must be an object`);
  return options as WorkflowStepRollbackOptions;
}

/** The rollbacks of one run. */
export class Rollbacks {
  readonly #entries: RollbackEntry[] = [];
  #outcome: RollbackOutcome | undefined;

  /** Once rollbacks start, forward steps are refused, as Cloudflare's engine refuses them. */
  get isRollingBack(): boolean {
    return this.#outcome !== undefined;
  }

  get outcome(): RollbackOutcome | undefined {
    return this.#outcome && { ...this.#outcome };
  }

  /** A step with a rollback started: it is eligible from now on, whatever becomes of it (Cloudflare registers it on the way in). */
  register(options: WorkflowStepRollbackOptions, stepContext: WorkflowStepContext): RollbackEntry {
    const entry: RollbackEntry = { options, stepContext };
    this.#entries.push(entry);
    return entry;
  }

  /**
   * Runs the rollbacks, last started first, in a scope that a cancellation does not interrupt. Each is a step of its
   * own; the first that fails for good (after its retries) ends the chain. Returns how it ended.
   */
  async run(ctx: WorkflowContext, trigger: Error, runStep: RollbackStepRunner): Promise<RollbackOutcome> {
    const entries = this.#entries.splice(0).reverse();
    const outcome: RollbackOutcome = { status: 'running', trigger: { name: trigger.name, message: trigger.message }, totalSteps: entries.length, completedSteps: 0 };
    this.#outcome = outcome;
    await CancellationScope.nonCancellable(ctx, async (shielded) => {
      for (const entry of entries) {
        const { step } = entry.stepContext;
        const stepName = `${step.name}-${step.count}`;
        const context = (): RollbackContext => ({ ctx: structuredClone(entry.stepContext), error: trigger, output: entry.output, stepName });
        try {
          await runStep(shielded, step, entry.options.rollbackConfig, async () => void (await entry.options.rollback(context())));
          outcome.completedSteps++;
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          Object.assign(outcome, { status: 'failed', failedStep: stepName, error: { name: failure.name, message: failure.message } });
          return;
        }
      }
      outcome.status = 'complete';
    });
    return { ...outcome };
  }

  /** Whether any step with a rollback started. */
  get hasEntries(): boolean {
    return this.#entries.length > 0;
  }
}
