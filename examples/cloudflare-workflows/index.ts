// A Cloudflare Workflows app written as Cloudflare's docs teach it, imports and all: an order workflow (charge,
// wait for a person to approve shipping, ship or refund) and the fetch handler that drives it through its binding.
// On Cloudflare it needs wrangler.toml's `[[workflows]] binding = "ORDER_WORKFLOW", class_name = "OrderWorkflow"`;
// on Duro, `createDuro({ workflows: { OrderWorkflow }, workflowBindings: { ORDER_WORKFLOW: 'OrderWorkflow' } })`
// (this repo's Worker, src/index.ts, serves it under /examples/cloudflare-workflows). README.md beside it: the routes.
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from 'cloudflare:workers';
import { NonRetryableError } from 'cloudflare:workflows';

export interface Env {
  ORDER_WORKFLOW: Workflow<OrderParams>;
}

export interface OrderParams {
  orderId: string;
  amount: number;
  /** How long a person has to approve shipping; default one day. */
  approvalTimeout?: WorkflowSleepDuration;
}

export class OrderWorkflow extends WorkflowEntrypoint<Env, OrderParams> {
  override async run(event: WorkflowEvent<OrderParams>, step: WorkflowStep) {
    const { orderId, amount } = event.payload;

    const charge = await step.do('charge card', { retries: { limit: 3, delay: '2 seconds', backoff: 'exponential' }, timeout: '30 seconds' }, async () => {
      // A real app calls its payment provider here; a negative amount is a bug no retry fixes.
      if (!(amount > 0)) throw new NonRetryableError(`order ${orderId} has an invalid amount: ${amount}`);
      return { chargeId: `ch_${orderId}`, amount };
    });

    let approved = false;
    try {
      const approval = await step.waitForEvent<{ approved: boolean; by?: string }>('wait for shipping approval', {
        type: 'approval',
        timeout: event.payload.approvalTimeout ?? '1 day',
      });
      approved = approval.payload.approved === true;
    } catch {
      // No answer in time: the order is not shipped.
    }

    if (!approved) {
      await step.do('refund', async () => ({ refunded: charge.chargeId }));
      return { orderId, state: 'refunded' };
    }
    await step.sleep('wait for the courier', '2 seconds');
    const shipment = await step.do('ship', async () => ({ trackingId: `tr_${orderId}` }));
    return { orderId, state: 'shipped', ...shipment };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const instanceId = url.searchParams.get('instanceId');

    // GET ?instanceId=…: the instance's status (and its output once complete).
    if (request.method === 'GET' && instanceId) {
      const instance = await env.ORDER_WORKFLOW.get(instanceId);
      return Response.json({ id: instance.id, details: await instance.status() });
    }

    // POST ?instanceId=…&approved=true|false: a person's answer, sent as an event.
    if (request.method === 'POST' && instanceId) {
      const instance = await env.ORDER_WORKFLOW.get(instanceId);
      await instance.sendEvent({ type: 'approval', payload: { approved: url.searchParams.get('approved') === 'true' } });
      return Response.json({ id: instance.id, details: await instance.status() });
    }

    // POST with an order as the body: a new instance.
    if (request.method === 'POST') {
      const order = (await request.json()) as Partial<OrderParams>;
      const instance = await env.ORDER_WORKFLOW.create({ params: { orderId: order.orderId ?? crypto.randomUUID(), amount: order.amount ?? 0, ...(order.approvalTimeout && { approvalTimeout: order.approvalTimeout }) } });
      return Response.json({ id: instance.id, details: await instance.status() }, { status: 201 });
    }

    return new Response('POST an order ({"orderId","amount"}) to create an instance; GET ?instanceId=… for its status; POST ?instanceId=…&approved=true to approve it.\n', { status: 404 });
  },
} satisfies ExportedHandler<Env>;
