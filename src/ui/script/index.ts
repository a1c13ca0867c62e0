// The web UI's browser code: one ES module, assembled from the parts that share its scope (helpers first).
import { COMMON_JS } from './common';
import { EXECUTION_JS } from './execution';
import { EXECUTIONS_JS } from './executions';
import { ROUTER_JS } from './router';
import { SCHEDULES_JS } from './schedules';
import { TIMELINE_JS } from './timeline';

export const UI_SCRIPT = [COMMON_JS, EXECUTIONS_JS, EXECUTION_JS, TIMELINE_JS, SCHEDULES_JS, ROUTER_JS].join('\n');
