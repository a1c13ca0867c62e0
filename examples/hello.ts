// The smallest Duro workflow: one activity, one durable timer, one signal. Used by the README and smoke tests.
import { defineSignal, defineQuery, defineWorkflow, type ActivityContext } from 'duro/workflow';

export const helloActivities = {
  async composeGreeting(input: { name: string }, ctx: ActivityContext): Promise<string> {
    ctx.log.info('composing a greeting', { name: input.name });
    return `Hello, ${input.name}!`;
  },
};

export const setName = defineSignal<[name: string]>('setName');
export const greetingQuery = defineQuery<string>('greeting');

export const hello = defineWorkflow('hello', async (ctx, input: { name?: string; waitFor?: string } = {}) => {
  const { composeGreeting } = ctx.proxyActivities<typeof helloActivities>({ startToCloseTimeout: '10s' });
  let name = input.name ?? 'world';
  let greeting = '';
  ctx.setHandler(setName, (next) => void (name = next));
  ctx.setHandler(greetingQuery, () => greeting);
  if (input.waitFor) await ctx.sleep(input.waitFor);
  greeting = await composeGreeting({ name });
  // Written once (not again when the run replays), and kept with the run: GET /v1/workflows/{id}/logs, `duro logs`.
  ctx.log.info('greeted', { greeting });
  return greeting;
});
