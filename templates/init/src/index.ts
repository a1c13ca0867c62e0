// The Worker: Duro's REST API, web UI and Durable Objects, with this project's workflows and activities.
import { createDuro } from 'duro/worker';
import * as activities from './activities';
import * as workflows from './workflows';

const duro = createDuro({ workflows, activities });

// Exported under the class names wrangler.toml binds.
export const { WorkflowExecution, Visibility, Scheduler } = duro.durableObjects;
export default duro;
