// The entrypoint that runs a Worker's own activities as Workers RPC calls (decision 027): Duro's execution objects
// reach it through `ctx.exports`, with no binding to configure, and each attempt is an invocation of its own, as one
// through the DURO_SELF service binding is, without that fetch's HTTP framing, routing and body streams.
import { WorkerEntrypoint } from 'cloudflare:workers';
import type { TaskRunner } from '../client/serve-activities';
import type { ActivityCallReply, ActivityCallRequest, ActivityEntrypointRpc } from './protocol/activity-protocol';

/** Export it from the Worker's main module under this name (or the one `bindings.activities` gives). */
export const DEFAULT_ACTIVITY_ENTRYPOINT = 'DuroActivities';

/** A WorkerEntrypoint class; only a binding (here `ctx.exports`) can call it, so its calls need no signature. */
export type ActivityEntrypointClass = new (ctx: ExecutionContext, env: object) => WorkerEntrypoint & ActivityEntrypointRpc;

export function createActivityEntrypointClass(runnerFor: (env: Record<string, unknown>) => TaskRunner): ActivityEntrypointClass {
  class DuroActivities extends WorkerEntrypoint implements ActivityEntrypointRpc {
    attempt(request: ActivityCallRequest, hungUp: () => Promise<boolean>): Promise<ActivityCallReply> {
      const env = this.env as unknown as Record<string, unknown>;
      return runnerFor(env).run(request, { watchHangUp: hungUp, env, ctx: this.ctx });
    }
  }
  return DuroActivities as ActivityEntrypointClass;
}

/** The entrypoint among `ctx.exports`, when the Worker exports it and its compatibility date has `ctx.exports`. */
export function activityEntrypointOf(exports: unknown, name: string): ActivityEntrypointRpc | undefined {
  return (exports as Record<string, ActivityEntrypointRpc | undefined> | undefined)?.[name];
}
