// The errors a Temporal client throws, by Temporal's names. Duro's client errors already carry them (and brands that
// survive a second copy of Duro); the one difference is updates: Temporal reports a validator's rejection and a
// handler's failure alike as WorkflowUpdateFailedError, Duro tells them apart (WorkflowUpdateRejectedError).
import { WorkflowUpdateFailedError, WorkflowUpdateRejectedError } from '../../core/client-errors';

export {
  WorkflowFailedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError,
} from '../../core/client-errors';

/** Runs an update call, reporting a rejection as Temporal does. */
export async function asTemporalUpdate<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof WorkflowUpdateRejectedError) throw new WorkflowUpdateFailedError(error.updateName, error.failure);
    throw error;
  }
}
