// This repo's own Worker: Duro with the example workflows, exactly as a user's Worker would embed it.
import { createDuro } from 'duro/worker';
import * as examples from '../examples';

const duro = createDuro({ workflows: examples, activities: examples.activities });

export const { WorkflowExecution, Visibility, Scheduler } = duro.durableObjects;
export default duro;
