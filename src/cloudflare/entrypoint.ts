// WorkflowEntrypoint: a Cloudflare Workflow class, registered with Duro as it is. Registered under a name, the class
// makes its own workflow definition: each run constructs the class with the host's env and calls `run(event, step)`.
import { defineWorkflow, makeWorkflowDefinition, type WorkflowDefinition, type WorkflowEnvironment } from '../core/definitions';
import type { WorkflowContext } from '../core/context';
import { ApplicationFailure, CancelledFailure, DuroFailure, isCancellation } from '../core/failure';
import { ContinueAsNewRequest } from '../core/workflow-errors';
import { stepsQuery, type StepsQueryOptions } from './progress';
import type { RollbackOutcome } from './rollback';
import { createInstanceState, createStep, rollbackStepRunner, type InstanceState, type WorkflowStep } from './step';

/** What `run` gets first: the instance's params, when it was created, and its id (the workflow id). */
export interface WorkflowEvent<T> {
  payload: Readonly<T>;
  timestamp: Date;
  instanceId: string;
}

/** `this.ctx`: the part of a Worker's ExecutionContext a workflow may use. */
export interface WorkflowExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  readonly props: Record<string, unknown>;
}

type EntrypointClass = new (ctx: WorkflowExecutionContext, env: any) => WorkflowEntrypoint<any, any>;
/** Makes the instance a run calls `run` on. */
export type ConstructEntrypoint = (ctx: WorkflowExecutionContext, env: unknown) => { run(event: Readonly<WorkflowEvent<unknown>>, step: WorkflowStep): Promise<unknown> };

/**
 * The base of a Cloudflare Workflow (`cloudflare:workers`' `WorkflowEntrypoint`). Register the class with
 * `createDuro({ workflows: { OrderWorkflow } })` or the test environment: its workflow type is the name it is
 * exported (registered) under, as wrangler's `class_name` names the export.
 * @example
 * export class OrderWorkflow extends WorkflowEntrypoint<Env, { orderId: string }> {
 *   async run(event: WorkflowEvent<{ orderId: string }>, step: WorkflowStep) {
 *     const order = await step.do('load order', () => loadOrder(this.env.DB, event.payload.orderId));
 *     await step.sleep('cool off', '1 hour');
 *     return order.total;
 *   }
 * }
 */
export abstract class WorkflowEntrypoint<Env = unknown, T = unknown> {
  protected ctx: WorkflowExecutionContext;
  protected env: Env;

  constructor(ctx: WorkflowExecutionContext, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }

  abstract run(event: Readonly<WorkflowEvent<T>>, step: WorkflowStep): Promise<unknown>;

  /** Called by Duro's registry (core/definitions.ts) on the subclass, `this`: the definition of its runs in one host. */
  static [makeWorkflowDefinition](this: EntrypointClass, name: string, environment: WorkflowEnvironment | undefined): WorkflowDefinition {
    return entrypointDefinition((ctx, env) => new this(ctx, env), name, environment);
  }
}

/** The definition of a Cloudflare Workflow class's runs in one host: a new instance each run (replay included). */
export function entrypointDefinition(construct: ConstructEntrypoint, name: string, environment: WorkflowEnvironment | undefined): WorkflowDefinition {
  const executionContext: WorkflowExecutionContext = {
    waitUntil: (promise) => (environment?.waitUntil ? environment.waitUntil(promise) : void promise.catch(() => undefined)),
    passThroughOnException: () => undefined,
    props: {},
  };
  return defineWorkflow(name, async (ctx, params: unknown) => {
    const info = ctx.info();
    const event: WorkflowEvent<unknown> = Object.freeze({ payload: params ?? {}, timestamp: new Date(info.runStartTime), instanceId: info.workflowId });
    const instance = construct(executionContext, environment?.env ?? {});
    const state = createInstanceState(ctx);
    ctx.setHandler(stepsQuery, (options?: StepsQueryOptions) => state.log.snapshot(options, state.rollbacks.outcome));
    try {
      return await instance.run(event, createStep(ctx, state));
    } catch (error) {
      throw await afterFailedRun(ctx, state, error);
    }
  }, {
    // Whatever `run` throws fails the instance, as in Cloudflare (Duro's own workflows would block on a plain Error).
    failureTypes: [Error],
  });
}

/**
 * What ends a run whose `run` threw: first the rollbacks of the steps that started, if any. A failure fails the
 * instance with its own error (the rollbacks' outcome in its details); the run's cancellation (terminate with rollback)
 * ends it cancelled, with Cloudflare's `Terminated` error handed to the rollbacks. A continue-as-new passes through.
 */
async function afterFailedRun(ctx: WorkflowContext, state: InstanceState, error: unknown): Promise<unknown> {
  if (error instanceof ContinueAsNewRequest) return error;
  const cancelled = ctx.cancellationScope.consideredCancelled && isCancellation(error);
  const thrown = error instanceof Error ? error : new Error(String(error));
  if (!state.rollbacks.hasEntries) return cancelled ? error : thrown;
  const outcome = await state.rollbacks.run(ctx, cancelled ? terminated() : thrown, rollbackStepRunner(state.log));
  if (cancelled) return new CancelledFailure(thrown.message, { rollback: outcome }, thrown);
  return withRollbackOutcome(thrown, outcome);
}

/** The error Cloudflare's engine hands rollbacks on `terminate({ rollback: true })`. */
function terminated(): Error {
  const error = new Error('Instance terminated during rollback');
  error.name = 'Terminated';
  return error;
}

/** The instance's failure as it would be without rollbacks (same type and message), with their outcome as details. */
function withRollbackOutcome(error: Error, rollback: RollbackOutcome): Error {
  if (error instanceof DuroFailure) return error; // a Duro failure thrown on purpose keeps its own details
  const failure = new ApplicationFailure(error.message, error.name, false, { rollback }, error.cause instanceof Error ? error.cause : undefined);
  if (error.stack !== undefined) failure.stack = error.stack;
  return failure;
}
