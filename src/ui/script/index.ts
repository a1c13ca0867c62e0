// The web UI's browser code: one ES module, assembled from the parts that share its scope (helpers first).
import { CHART_JS } from './chart';
import { CHART_DETAILS_JS } from './chart-details';
import { CHART_LANES_JS } from './chart-lanes';
import { CHART_ZOOM_JS } from './chart-zoom';
import { COMMON_JS } from './common';
import { EXECUTION_JS } from './execution';
import { EXECUTIONS_JS } from './executions';
import { LOGS_JS } from './logs';
import { ROUTER_JS } from './router';
import { SCHEDULES_JS } from './schedules';
import { TIMELINE_JS } from './timeline';

export const UI_SCRIPT = [COMMON_JS, EXECUTIONS_JS, EXECUTION_JS, LOGS_JS, TIMELINE_JS, CHART_LANES_JS, CHART_JS, CHART_ZOOM_JS, CHART_DETAILS_JS, SCHEDULES_JS, ROUTER_JS].join('\n');
