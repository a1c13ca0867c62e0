// Version 1 of `versionedGreeting`, kept to show what the current code (versioned-greeting.ts) must still replay:
// write the greeting, wait, send it. Not registered in the Worker (two definitions cannot share a name); it
// recorded test/fixtures/histories/versioned-greeting-v1.json (see docs/patterns/versioning.md).
import { defineWorkflow } from 'duro/workflow';
import type { VersionedGreetingInput, VersionedGreetingResult, versionedGreetingActivities } from './versioned-greeting';

export const versionedGreeting = defineWorkflow('versionedGreeting', async (ctx, input: VersionedGreetingInput = {}): Promise<VersionedGreetingResult> => {
  const { writeGreeting, sendGreeting } = ctx.proxyActivities<typeof versionedGreetingActivities>({ startToCloseTimeout: '10s' });
  const message = await writeGreeting({ name: input.name ?? 'world' });
  await ctx.sleep(input.delay ?? '30s');
  return { message: await sendGreeting({ message }), translated: false };
});
