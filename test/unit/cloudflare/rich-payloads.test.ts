// Cloudflare Workflows code with the rich converter (docs/cloudflare-workflows.md, "Step results are payloads"): what
// Cloudflare keeps by structured clone — a Date, a Map, a bigint — comes back from `create` params, a step, an event
// and `status().output` as it went in, live and after a replay.
import { describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from 'duro/cloudflare';
import { TestWorkflowEnvironment } from 'duro/testing';

interface Params { due: Date; amounts: Map<string, bigint> }

export class InvoiceWorkflow extends WorkflowEntrypoint<Record<string, unknown>, Params> {
  override async run(event: WorkflowEvent<Params>, step: WorkflowStep) {
    const total = await step.do('sum', async () => [...event.payload.amounts.values()].reduce((a, b) => a + b, 0n));
    const stamped = await step.do('stamp', async () => ({ at: new Date(event.payload.due.getTime() + 86_400_000), seen: new Set(event.payload.amounts.keys()) }));
    const approval = await step.waitForEvent<{ by: string; at: Date }>('approval', { type: 'approve', timeout: '1 hour' });
    return { total, stamped, approvedAt: approval.payload.at, dueIsDate: event.payload.due instanceof Date };
  }
}

describe('Cloudflare Workflows code with the rich converter', () => {
  it('keeps Date, Map, Set and bigint through params, steps, events and output, also after a replay', async () => {
    const test = await TestWorkflowEnvironment.create({ workflows: { InvoiceWorkflow }, workflowBindings: { INVOICES: 'InvoiceWorkflow' }, payloads: { converter: 'rich' } });
    const binding = test.env.INVOICES as { create(options: { id: string; params: Params }): Promise<{ sendEvent(event: { type: string; payload: unknown }): Promise<void>; status(): Promise<{ status: string; output?: unknown }> }> };
    const instance = await binding.create({ id: 'inv-1', params: { due: new Date('2026-12-01T00:00:00Z'), amounts: new Map([['a', 40n], ['b', 2n]]) } });
    test.evict('inv-1'); // the next step replays what ran so far
    await instance.sendEvent({ type: 'approve', payload: { by: 'ada', at: new Date('2026-12-02T10:00:00Z') } });
    await test.sleep('1 minute');
    const { status, output } = await instance.status();
    expect(status).toBe('complete');
    expect(output).toEqual({
      total: 42n,
      stamped: { at: new Date('2026-12-02T00:00:00Z'), seen: new Set(['a', 'b']) },
      approvedAt: new Date('2026-12-02T10:00:00Z'),
      dueIsDate: true,
    });
  });
});
