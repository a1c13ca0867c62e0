// Errors the activator raises inside workflow code and queries.
import { brandClass } from './brand';

/** Thrown by `ctx.continueAsNew`; the activator turns it into the continue-as-new command. */
export class ContinueAsNewRequest extends Error {
  static {
    brandClass(this, 'ContinueAsNewRequest');
  }

  constructor(readonly input: unknown) {
    super('continue-as-new');
    this.name = 'ContinueAsNewRequest';
  }
}

/** A query asked for a handler that is not set. */
export class QueryNotFoundError extends Error {
  static {
    brandClass(this, 'QueryNotFoundError');
  }

  constructor(readonly queryName: string, known: string[]) {
    super(`No query handler for '${queryName}'${known.length ? ` (known: ${known.join(', ')})` : ''}`);
    this.name = 'QueryNotFoundError';
  }
}

/** Workflow code did something forbidden by the determinism rules (e.g. a query issuing a command). */
export class DeterminismViolationError extends Error {
  static {
    brandClass(this, 'DeterminismViolationError');
  }

  constructor(message: string) {
    super(message);
    this.name = 'DeterminismViolationError';
  }
}
