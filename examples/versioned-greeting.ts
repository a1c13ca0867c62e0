// Versioning a workflow while runs are open: this is the current code of `versionedGreeting`. Version 1
// (versioned-greeting-v1.ts) wrote a greeting, waited, and sent it; this one translates it first, behind
// ctx.patched, so runs that passed that point under version 1 replay their old path.
import { defineWorkflow, type ActivityContext, type Duration } from 'duro/workflow';

export interface VersionedGreetingInput {
  /** Default 'world'. */
  name?: string;
  /** The language new runs greet in: 'fr' (default), 'de', 'es' or 'en'. */
  language?: string;
  /** The wait between writing and sending the greeting: the window in which a deploy meets open runs. Default 30 s. */
  delay?: Duration;
}

export interface VersionedGreetingResult {
  message: string;
  /** True for runs that took the patched (translating) path. */
  translated: boolean;
}

const HELLO: Record<string, string> = { en: 'Hello', fr: 'Bonjour', de: 'Hallo', es: 'Hola' };

export const versionedGreetingActivities = {
  async writeGreeting(input: { name: string }, _ctx: ActivityContext): Promise<string> {
    return `Hello, ${input.name}!`;
  },
  async translateGreeting(input: { greeting: string; language: string }, _ctx: ActivityContext): Promise<string> {
    return input.greeting.replace(/^Hello/, HELLO[input.language] ?? HELLO.en!);
  },
  /** A demo delivery: returns what it would send. */
  async sendGreeting(input: { message: string }, _ctx: ActivityContext): Promise<string> {
    return input.message;
  },
};

/** The patch id: recorded as a `MarkerRecorded` (Patch) event in the history of every run that takes the new path. */
export const TRANSLATE_PATCH = 'translate-greeting';

export const versionedGreeting = defineWorkflow('versionedGreeting', async (ctx, input: VersionedGreetingInput = {}): Promise<VersionedGreetingResult> => {
  const { writeGreeting, translateGreeting, sendGreeting } = ctx.proxyActivities<typeof versionedGreetingActivities>({ startToCloseTimeout: '10s' });
  let message = await writeGreeting({ name: input.name ?? 'world' });
  // New in version 2. A run that got past this point under version 1 has no marker here, so patched() is false
  // when it replays and it keeps the path it recorded; every run that reaches it now takes the new path.
  const translated = ctx.patched(TRANSLATE_PATCH);
  if (translated) message = await translateGreeting({ greeting: message, language: input.language ?? 'fr' });
  await ctx.sleep(input.delay ?? '30s');
  return { message: await sendGreeting({ message }), translated };
});
