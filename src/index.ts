// This repo's own Worker: Duro with the example workflows, exactly as a user's Worker would embed it, and the
// Cloudflare Workflows example app (examples/cloudflare-workflows) with its binding, under its own path.
import { createDuro } from 'duro/worker';
import * as examples from '../examples';
import cloudflareWorkflowsApp, { OrderWorkflow, type Env as OrderEnv } from '../examples/cloudflare-workflows';

const duro = createDuro({
  workflows: { ...examples, OrderWorkflow },
  activities: examples.activities,
  // wrangler.toml's `[[workflows]] binding = "ORDER_WORKFLOW", class_name = "OrderWorkflow"`, on Duro.
  workflowBindings: { ORDER_WORKFLOW: 'OrderWorkflow' },
});

export const { WorkflowExecution, Visibility, Scheduler } = duro.durableObjects;
// 'self' activities run as RPC calls to this entrypoint, each an invocation of its own (decision 027).
export const { DuroActivities } = duro.entrypoints;

const CLOUDFLARE_EXAMPLE = /^\/examples\/cloudflare-workflows\/?$/;

export default duro.handler({
  fetch(request: Request, env: OrderEnv, ctx: ExecutionContext): Promise<Response> {
    if (CLOUDFLARE_EXAMPLE.test(new URL(request.url).pathname)) return cloudflareWorkflowsApp.fetch(request, env);
    return duro.fetch(request, env, ctx);
  },
});
