// A start delay holds the first activation; what arrives meanwhile is recorded and delivered then.
import { describe, expect, it } from 'vitest';
import { defineSignal, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const note = defineSignal<[text: string]>('note');

const delayed = defineWorkflow('delayed', async (ctx) => {
  const notes: string[] = [];
  ctx.setHandler(note, (text) => void notes.push(text));
  return { startedAt: ctx.now(), notes };
});

describe('start delay', () => {
  it('runs the first activation only after the delay, with the signals received meanwhile', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { delayed } });
    const startedAt = env.now();
    const handle = await env.start(delayed, { workflowId: 'late', startDelay: '1 hour' });
    await handle.signal(note, 'early bird');
    expect((await handle.fetchHistory()).map((event) => event.type)).toEqual(['WorkflowExecutionStarted', 'SignalReceived']);
    const result = await handle.result();
    expect(result.startedAt - startedAt).toBeGreaterThanOrEqual(3_600_000);
    expect(result.notes).toEqual(['early bird']);
  });
});
