// duro/temporal/worker: `@temporalio/worker`'s Worker and NativeConnection for tests written for @temporalio/testing.
// In production a Duro Worker is the deployed Cloudflare Worker (createDuro from duro/worker); docs/temporal.md.
export { Worker, type WorkerOptions, type State } from './worker';
export { NativeConnection } from './native-connection';
export type { InjectedSinks, InjectedSink, InjectedSinkFunction } from '../workflow/sinks';
export { Runtime, DefaultLogger, type Logger } from './runtime';
