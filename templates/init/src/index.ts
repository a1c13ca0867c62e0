// The Worker: Duro's REST API, web UI and Durable Objects, with this project's workflows and activities.
import { createDuro } from 'duro/worker';
import * as activities from './activities';
import * as workflows from './workflows';

const duro = createDuro({ workflows, activities });

// Exported under the class names wrangler.toml binds.
export const { WorkflowExecution, Visibility, Scheduler } = duro.durableObjects;
// Runs this Worker's activities, each attempt an RPC call of its own; Duro finds it by this name.
export const { DuroActivities } = duro.entrypoints;
export default duro;
