// A stand-in for workerd's own `WorkflowEntrypoint` (`cloudflare:workers`), which Node does not have: a class of that
// name, not duro/cloudflare's, whose constructor refuses any ctx but a real ExecutionContext, as workerd's does.
// The workerd test (test/integration-fixture/cloudflare-binding.test.ts) checks the real one.
export class ExecutionContext {}

export abstract class WorkflowEntrypoint<Env = unknown, T = unknown> {
  protected ctx: ExecutionContext;
  protected env: Env;

  constructor(ctx: ExecutionContext, env: Env) {
    if (!(ctx instanceof ExecutionContext)) throw new TypeError("Failed to construct 'WorkflowEntrypoint': constructor parameter 1 is not of type 'ExecutionContext'.");
    this.ctx = ctx;
    this.env = env;
  }

  abstract run(event: { payload: T; instanceId: string }, step: unknown): Promise<unknown>;
}
