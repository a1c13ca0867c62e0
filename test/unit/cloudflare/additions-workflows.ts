// Cloudflare-style workflows that use what Duro adds to Cloudflare's API: versioning with patched(), child workflows,
// continue-as-new, and runs far past Cloudflare's step limit.
import { continueAsNew, executeChild, patched, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from 'duro/cloudflare';
import type { Env } from './workflows';

const called = (env: Env, name: string) => (env.calls[name] = (env.calls[name] ?? 0) + 1);

/** Version 1: reserve, then charge. */
export class OrderWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const order: string[] = [];
    order.push(await step.do('reserve', async () => (called(this.env, 'reserve'), 'reserved')));
    order.push(await step.do('charge', async () => (called(this.env, 'charge'), 'charged')));
    await step.sleep('wait for the courier', '1 day');
    order.push(await step.do('ship', async () => (called(this.env, 'ship'), 'shipped')));
    return order;
  }
}

/** Version 2: charge first, behind a patch, so runs started by version 1 keep their order. */
export class OrderWorkflowV2 extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const order: string[] = [];
    const reserve = async () => order.push(await step.do('reserve', async () => (called(this.env, 'reserve'), 'reserved')));
    const charge = async () => order.push(await step.do('charge', async () => (called(this.env, 'charge'), 'charged')));
    if (patched('charge-before-reserve')) {
      await charge();
      await reserve();
    } else {
      await reserve();
      await charge();
    }
    await step.sleep('wait for the courier', '1 day');
    order.push(await step.do('ship', async () => (called(this.env, 'ship'), 'shipped')));
    return order;
  }
}

/** Version 2 without the patch: the reorder that old runs cannot replay. */
export class OrderWorkflowReordered extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const order: string[] = [];
    order.push(await step.do('charge', async () => 'charged'));
    order.push(await step.do('reserve', async () => 'reserved'));
    await step.sleep('wait for the courier', '1 day');
    order.push(await step.do('ship', async () => 'shipped'));
    return order;
  }
}

/** A child of CheckoutWorkflow: Cloudflare-style too. */
export class ReceiptWorkflow extends WorkflowEntrypoint<Env, { orderId: string }> {
  async run(event: WorkflowEvent<{ orderId: string }>, step: WorkflowStep) {
    await step.sleep('batch receipts', '10 minutes');
    return await step.do('render receipt', async () => `receipt for ${event.payload.orderId} (${event.instanceId})`);
  }
}

export class CheckoutWorkflow extends WorkflowEntrypoint<Env, { orderId: string }> {
  async run(event: WorkflowEvent<{ orderId: string }>, step: WorkflowStep) {
    await step.do('charge', async () => 'charged');
    const receipt = await executeChild<string>('ReceiptWorkflow', { id: `receipt-${event.payload.orderId}`, params: { orderId: event.payload.orderId } });
    return { receipt };
  }
}

/** `steps` step.do calls in one run, each returning its index: far past Cloudflare's step limit. */
export class ManyStepsWorkflow extends WorkflowEntrypoint<Env, { steps: number }> {
  async run(event: WorkflowEvent<{ steps: number }>, step: WorkflowStep) {
    let sum = 0;
    for (let i = 0; i < event.payload.steps; i++) sum += await step.do('add', async () => i);
    return sum;
  }
}

/** The same work split over runs of `perRun` steps with continueAsNew, the way past Duro's history limit. */
export class ChunkedStepsWorkflow extends WorkflowEntrypoint<Env, { steps: number; perRun: number; done?: number; sum?: number }> {
  async run(event: WorkflowEvent<{ steps: number; perRun: number; done?: number; sum?: number }>, step: WorkflowStep) {
    const { steps, perRun, done = 0 } = event.payload;
    let sum = event.payload.sum ?? 0;
    const end = Math.min(steps, done + perRun);
    for (let i = done; i < end; i++) sum += await step.do('add', async () => i);
    if (end < steps) return await continueAsNew({ steps, perRun, done: end, sum });
    return sum;
  }
}
