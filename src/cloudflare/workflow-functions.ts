// What Duro adds to a Cloudflare-style workflow, as free functions: `run(event, step)` has no `ctx`, and Cloudflare's
// API has no versioning or child workflows, so these reach the running workflow through the async context the engine
// keeps (core/ambient.ts), as duro/temporal/workflow's functions do. Outside `run` (a step's callback included: it
// is an activity, not workflow code) they throw.
import { currentScopeContext } from '../core/ambient';
import type { ChildWorkflowHandle, ChildWorkflowOptions, WorkflowContext } from '../core/context';

/** A child instance as Cloudflare's `create` names it (`id`, `params`), with Duro's child options besides. */
export type ChildInstanceOptions<P = unknown> = Omit<ChildWorkflowOptions, 'input' | 'workflowId'> & {
  /** The child's instance id (its workflow id); default: derived from this instance's, deterministically. */
  id?: string;
  /** The child's `event.payload`. */
  params?: P;
};

function current(what: string): WorkflowContext {
  const ctx = currentScopeContext() as WorkflowContext | undefined;
  if (!ctx) throw new Error(`${what} may only be called from a workflow's run() (docs/cloudflare-workflows.md)`);
  return ctx;
}

function childOptions({ id, params, ...rest }: ChildInstanceOptions): ChildWorkflowOptions {
  return { ...rest, ...(id !== undefined && { workflowId: id }), ...(params !== undefined && { input: params }) };
}

/**
 * True on runs that reached this point with code that has the patch (a marker records it); runs recorded before the
 * patch replay the old branch. Duro's `ctx.patched` (docs/programming-model.md, versioning).
 * @example
 * if (patched('charge-before-reserve')) { await step.do('charge', charge); await step.do('reserve', reserve); }
 * else { await step.do('reserve', reserve); await step.do('charge', charge); }
 */
export function patched(patchId: string): boolean {
  return current('patched()').patched(patchId);
}

/** Marks that no run without the patch remains, so the old branch can go. */
export function deprecatePatch(patchId: string): void {
  current('deprecatePatch()').deprecatePatch(patchId);
}

/**
 * Runs a registered workflow (by the name it is registered under) as a child of this instance and returns its result;
 * a failed child throws `ChildWorkflowFailure`. The child has its own history and limits.
 * @example const receipt = await executeChild<Receipt>('ReceiptWorkflow', { id: `receipt-${event.instanceId}`, params: { orderId } });
 */
export function executeChild<O = unknown, P = unknown>(workflowType: string, options: ChildInstanceOptions<P> = {}): Promise<O> {
  return current('executeChild()').executeChild(workflowType, childOptions(options)) as Promise<O>;
}

/** Starts a child and returns its handle once it started (`handle.result()` waits for it). */
export function startChild<O = unknown, P = unknown>(workflowType: string, options: ChildInstanceOptions<P> = {}): Promise<ChildWorkflowHandle<O>> {
  return current('startChild()').startChild(workflowType, childOptions(options)) as Promise<ChildWorkflowHandle<O>>;
}

/**
 * Ends this run and starts the instance afresh with `params` (same instance id, new run, empty history): the way past
 * Duro's history limit (50 000 events). Steps of the old run are not replayed, and their rollbacks do not carry over.
 * @example if (event.payload.done + 10_000 < total) return continueAsNew({ done: event.payload.done + 10_000 });
 */
export function continueAsNew<P>(params: P): Promise<never> {
  return current('continueAsNew()').continueAsNew(params);
}
