// Properties of the engine under random interleavings of signals, updates, timers, activity outcomes,
// cancellation and forced evictions: evictions are invisible, replay reproduces every run, nothing is recorded twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayHistory } from 'duro/testing';
import { entity } from './entity-workflow';
import {
  audits, charges, comparable, duplicationProblems, expectedFromReplies, playScenario, scenarioArbitrary, type Scenario,
} from './entity-scenario';

/** Always run, before the random ones: each reaches what the coverage check below asks for, or once found a bug. */
const examples: Scenario[] = [
  // A signal, an eviction and an update while the local activity (200 ms … 4200 ms) is in flight, then cancellation.
  {
    periodMs: 200, remote: [], local: [{ outcome: 'succeed', durationMs: 4000 }], ending: 'finish',
    steps: [
      { kind: 'sleep', ms: 400 }, { kind: 'signal', item: 'item-1' }, { kind: 'evict' }, { kind: 'update', value: 1, updateId: 'up-1' },
      { kind: 'signal', item: 'item-4', requestId: 'rq-a' }, { kind: 'sleep', ms: 6000 }, { kind: 'cancel' }, { kind: 'signal', item: 'item-7' },
    ],
  },
  // A retried update (same updateId) was accepted, and its handler run, twice.
  {
    periodMs: 200, remote: [], local: [], ending: 'finish',
    steps: [{ kind: 'update', value: 0, updateId: 'up-1' }, { kind: 'update', value: 0, updateId: 'up-1' }, { kind: 'signal', item: 'item-2' }],
  },
  // A signal queued while the run was closing was acknowledged but never recorded.
  { periodMs: 200, remote: [], local: [], ending: 'finish', steps: [{ kind: 'finish' }, { kind: 'signal', item: 'item-1' }, { kind: 'sleep', ms: 0 }] },
  // The test environment skipped time while the run was still replaying after an eviction: its timer fired beside `finish`.
  { periodMs: 200, remote: [], local: [], ending: 'finish', steps: [{ kind: 'sleep', ms: 1000 }, { kind: 'evict' }, { kind: 'signal', item: 'item-2' }] },
  // The test environment stopped time for good: a timer came due while a local activity waited for the clock.
  {
    periodMs: 200, remote: [], local: [{ outcome: 'succeed', durationMs: 1500 }], ending: 'finish',
    steps: [{ kind: 'update', value: 7, updateId: 'up-1' }, { kind: 'sleep', ms: 1000 }, { kind: 'signal', item: 'item-2' }],
  },
  // Cancellation and the slow update's TimerFired reached one activation, cancellation first: the timer was recorded
  // as both fired and cancelled.
  {
    periodMs: 200, remote: [], local: [{ outcome: 'succeed', durationMs: 1500 }], ending: 'cancel',
    steps: [{ kind: 'update', value: 7, updateId: 'up-1' }, { kind: 'sleep', ms: 100 }, { kind: 'sleep', ms: 100 }],
  },
];

describe('engine properties (entity workflow)', () => {
  it('replays, matches the model and an eviction-free reference run, and records nothing twice', async () => {
    const coverage = { signalsDuringLocal: 0, evictionsDuringLocal: 0, cancelled: 0, completed: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const observed = await playScenario(scenario, { evictions: true });
        const reference = await playScenario(scenario, { evictions: false });

        // (a) the recorded history replays with the same code (NonDeterminismError otherwise)
        await replayHistory({ entity }, observed.history);
        await replayHistory({ entity }, reference.history);

        // (c) nothing recorded twice: eventIds 1..n, one event per requestId, updateId, activity and timer outcome; one close event, last
        expect(duplicationProblems(observed.history)).toEqual([]);
        expect(duplicationProblems(reference.history)).toEqual([]);

        // (b) the model: signals and updates fold as the scenario says, activities follow their script
        const model = expectedFromReplies(observed);
        expect(observed.replies.map((r) => r.reply)).toEqual(model.replies);
        expect(observed.state.items).toEqual(model.items);
        expect(observed.state.values).toEqual(model.values);
        expect(observed.state.charges).toEqual(charges(scenario, observed.state.charges.length));
        expect(observed.state.audits).toEqual(audits(scenario, observed.state.audits.length));
        expect(observed.state.iterations - observed.state.audits.length).toBeLessThanOrEqual(1);
        if (observed.outcome.ok) {
          expect(observed.outcome.value).toEqual(observed.state);
          expect(observed.state.released).toBeNull();
        } else {
          expect(observed.outcome).toMatchObject({ error: 'WorkflowFailedError', status: 'canceled' });
          expect(observed.state.released).toBe('released');
        }

        // (b) evictions change nothing: the same replies, state, outcome and history as the reference run without them
        expect(observed.replies).toEqual(reference.replies);
        expect(observed.state).toEqual(reference.state);
        expect(observed.outcome).toEqual(reference.outcome);
        expect(comparable(observed.history)).toEqual(comparable(reference.history));

        coverage.signalsDuringLocal += observed.signalsDuringLocal;
        coverage.evictionsDuringLocal += observed.evictionsDuringLocal;
        if (observed.outcome.ok) coverage.completed++;
        else coverage.cancelled++;
      }),
      // A run that hangs (time that stops, a reply that never comes) fails with its scenario instead of timing out the file.
      { numRuns: 50, timeout: 10_000, examples: examples.map((scenario) => [scenario]) },
    );
    // The runs reached the interleavings the properties are about.
    expect(coverage.signalsDuringLocal).toBeGreaterThan(0);
    expect(coverage.evictionsDuringLocal).toBeGreaterThan(0);
    expect(coverage.completed).toBeGreaterThan(0);
    expect(coverage.cancelled).toBeGreaterThan(0);
  }, 60_000);
});
