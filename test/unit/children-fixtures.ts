// Workflow code the engine's and the browser host's children tests both run: the same child in both hosts.
import { defineQuery, defineSignal, defineWorkflow } from 'duro/workflow';

export const ping = defineSignal<[from: string]>('ping');
export const pings = defineQuery<string[]>('pings');

/** Collects pings until it has `until` of them (forever by default). */
export const listener = defineWorkflow('listener', async (ctx, input: { until?: number } = {}) => {
  const received: string[] = [];
  ctx.setHandler(ping, (from) => void received.push(from));
  ctx.setHandler(pings, () => received);
  await ctx.condition(() => received.length >= (input.until ?? Infinity));
  return received;
});
