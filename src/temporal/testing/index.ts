// duro/temporal/testing: `@temporalio/testing`'s TestWorkflowEnvironment, in process over Duro's own (no server, no
// download), and MockActivityEnvironment for an activity on its own.
export { TestWorkflowEnvironment, type TestWorkflowEnvironmentOptions } from './environment';
export { MockActivityEnvironment, type MockActivityInfo } from './mock-activity-environment';
