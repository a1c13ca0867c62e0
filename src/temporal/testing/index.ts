// duro/temporal/testing: `@temporalio/testing`'s TestWorkflowEnvironment, in process over Duro's own (no server, no
// download). MockActivityEnvironment is not here yet (docs/temporal.md).
export { TestWorkflowEnvironment, type TestWorkflowEnvironmentOptions } from './environment';
