// Temporal's `rootCause`: the message at the end of a failure's chain of causes.
import { DuroFailure } from '../../core/failure';

/** The message of the innermost cause of a Duro (Temporal) failure, or of any other error; undefined for a non-error. */
export function rootCause(error: unknown): string | undefined {
  if (error instanceof DuroFailure) return error.cause ? rootCause(error.cause) : error.message;
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : undefined;
}
