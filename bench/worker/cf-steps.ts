// The baseline: a Cloudflare Workflows instance doing n sequential `step.do` steps in the same workerd.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from 'cloudflare:workers';
import { meter } from './meter';

export interface CfStepsParams {
  n: number;
}

export class CfStepsWorkflow extends WorkflowEntrypoint<unknown, CfStepsParams> {
  override async run(event: WorkflowEvent<CfStepsParams>, step: WorkflowStep): Promise<{ steps: number; lastStepAt: number }> {
    meter.workflowInvocation(); // what Cloudflare bills as a Workflow invocation
    let done = 0;
    let lastStepAt = 0;
    for (let i = 0; i < event.payload.n; i++) {
      // Unique names: a step name is the key of its cached result.
      const result = await step.do(`step ${i}`, async () => ({ i: i + 1, at: Date.now() }));
      done = result.i;
      lastStepAt = result.at;
    }
    return { steps: done, lastStepAt };
  }
}
