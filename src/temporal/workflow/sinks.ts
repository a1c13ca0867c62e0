// Temporal's sinks: workflow code calls out (`proxySinks<MySinks>().alerts.raise(…)`) to functions a Worker was given
// (`Worker.create({ sinks })`), which run outside workflow code, with the calling run's info, and by default not again
// while the run replays. Registered per realm (Symbol.for), so the copy of Duro that runs the Worker and the copy the
// workflow module imports see the same sinks; so every Worker alive in the realm shares them, the newest registration
// of a name winning (Temporal keeps them per Worker: docs/temporal.md).
import { runOutsideWorkflow } from '../../core/ambient';
import { copyPayload } from '../../core/payload';
import { currentContext } from './current';
import { workflowInfo, type WorkflowInfo } from './info';

export type SinkFunction = (...args: any[]) => void;
export type Sink = Record<string, SinkFunction>;
export type Sinks = Record<string, Sink>;

/** What a Worker is given for one sink function. */
export interface InjectedSinkFunction<F extends SinkFunction> {
  fn(info: WorkflowInfo, ...args: Parameters<F>): void | Promise<void>;
  /** Also call it while a run replays its history (default false: once per call in the run's life). */
  callDuringReplay?: boolean;
}
export type InjectedSink<T extends Sink> = { [P in keyof T]: InjectedSinkFunction<T[P]> };
export type InjectedSinks<T extends Sinks> = { [P in keyof T]: InjectedSink<T[P]> };

type AnyInjectedSinks = Record<string, Record<string, InjectedSinkFunction<SinkFunction>>>;

const registryKey = Symbol.for('duro.temporalSinks');
const registry: AnyInjectedSinks[] = ((globalThis as Record<symbol, unknown>)[registryKey] ??= []) as AnyInjectedSinks[];
const warned = new Set<string>();

/** @internal Makes `sinks` callable from workflow code until the returned function removes them (a Worker's life). */
export function registerSinks(sinks: InjectedSinks<Sinks>): () => void {
  const entry = sinks as AnyInjectedSinks;
  registry.push(entry);
  return () => {
    const at = registry.indexOf(entry);
    if (at >= 0) registry.splice(at, 1);
  };
}

/** Sinks of type `T`, callable from workflow code: `const { alerts } = proxySinks<AlertSinks>()`. */
export function proxySinks<T extends Sinks>(): T {
  return new Proxy({} as T, {
    get: (_, ifaceName) => {
      if (typeof ifaceName !== 'string') return undefined;
      return new Proxy({}, {
        get: (_, fnName) => (typeof fnName === 'string' ? (...args: unknown[]) => callSink(ifaceName, fnName, args) : undefined),
      });
    },
  });
}

function callSink(ifaceName: string, fnName: string, args: unknown[]): void {
  currentContext(`sinks.${ifaceName}.${fnName}()`);
  const info = workflowInfo();
  // The newest registration wins, as a later Worker's workflows do.
  const injected = newestSink(ifaceName, fnName);
  if (!injected) {
    if (!warned.has(`${ifaceName}.${fnName}`)) {
      warned.add(`${ifaceName}.${fnName}`);
      console.warn(`Workflow ${info.workflowType} called sink ${ifaceName}.${fnName}, which no Worker registered: the call is dropped`);
    }
    return;
  }
  if (info.unsafe.isReplaying && !injected.callDuringReplay) return;
  runOutsideWorkflow(() => {
    try {
      // A copy, as Temporal's: an async sink still holds its arguments while workflow code goes on changing them.
      const copied = copyPayload(args);
      Promise.resolve(injected.fn(info, ...copied)).catch((error: unknown) => reportSinkError(ifaceName, fnName, error));
    } catch (error) {
      reportSinkError(ifaceName, fnName, error);
    }
  });
}

function newestSink(ifaceName: string, fnName: string): InjectedSinkFunction<SinkFunction> | undefined {
  for (let i = registry.length - 1; i >= 0; i--) {
    const injected = registry[i]![ifaceName]?.[fnName];
    if (injected) return injected;
  }
  return undefined;
}

/** A sink's failure is the Worker's, never the workflow's: it is logged, as in Temporal. */
function reportSinkError(ifaceName: string, fnName: string, error: unknown): void {
  console.error(`Sink ${ifaceName}.${fnName} failed`, error);
}
