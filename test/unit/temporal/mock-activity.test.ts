// duro/temporal/testing's MockActivityEnvironment, used as Temporal's documentation shows: an activity on its own,
// with Context.current(), heartbeats as events, and a cancel.
import { describe, expect, it } from 'vitest';
import { CancelledFailure, Context, activityInfo } from 'duro/temporal/activity';
import { MockActivityEnvironment } from 'duro/temporal/testing';

async function add(a: number, b: number): Promise<number> {
  Context.current().heartbeat(a + b);
  return a + b;
}

async function waitForCancel(): Promise<string> {
  try {
    await Context.current().sleep('1 hour');
    return 'slept';
  } catch (error) {
    return error instanceof CancelledFailure ? 'cancelled' : String(error);
  }
}

describe('MockActivityEnvironment', () => {
  it('runs an activity with its positional arguments and reports its heartbeats', async () => {
    const env = new MockActivityEnvironment({ attempt: 2 });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details) => heartbeats.push(details));
    expect(await env.run(add, 5, 35)).toBe(40);
    expect(heartbeats).toEqual([40]);
    expect(await env.run(async () => activityInfo().attempt)).toBe(2);
  });

  it('cancels the running activity', async () => {
    const env = new MockActivityEnvironment();
    const outcome = env.run(waitForCancel);
    env.cancel();
    expect(await outcome).toBe('cancelled');
  });
});
