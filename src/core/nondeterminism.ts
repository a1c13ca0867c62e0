// The error replay raises when workflow code no longer issues what its history recorded.
import { brandClass } from './brand';

export interface NonDeterminismDiff {
  /** The recorded event where replay diverged (or the event that ends the activation). */
  eventId: number;
  /** What the current code did at that point. */
  expected: string;
  /** What the history recorded there. */
  recorded: string;
}

/**
 * Replay of recorded history diverged from the current code. The run is blocked, not failed:
 * it resumes when code that replays the history is deployed.
 */
export class NonDeterminismError extends Error {
  static {
    brandClass(this, 'NonDeterminismError');
  }

  constructor(readonly diff: NonDeterminismDiff) {
    super(
      `Non-deterministic workflow: at event ${diff.eventId} the code issued ${diff.expected} but the history recorded ${diff.recorded}. ` +
        'Guard the change with ctx.patched() or keep the old code until old runs finish.',
    );
    this.name = 'NonDeterminismError';
  }
}
