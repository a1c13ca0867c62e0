// `duro check`: finds what breaks replay in workflow code (the clock, randomness, I/O, real timers) without running it.
// Works on the syntax tree of @babel/parser, Duro's own dependency, so it needs no TypeScript in the project and
// never flags comments, strings, or code that no workflow reaches. Pure: the caller reads files (client/cli-check.ts).
import type { CheckFinding, SourceText } from './check-module';
import { Project } from './check-project';
import { Sightings } from './check-sightings';
import { workflowsOf } from './check-workflows';

export type { CheckFinding, SourceText } from './check-module';

export interface CheckOptions {
  /**
   * The text of a file that a checked file imports (`./util` is tried as `util.ts`, `util.tsx`, `util.mts`, `util.js`,
   * `util.mjs`, `util/index.ts`), or undefined when there is no such file. Without it, helpers are followed only
   * into the files passed in.
   */
  readSource?: (fileName: string) => string | undefined;
}

/**
 * Flags non-deterministic calls inside the functions passed to `defineWorkflow(...)` (with the functions they declare
 * inline) and inside the helpers they call, in the same file or imported from a relative module, transitively. A
 * name the code declares itself (an import, a local `const fetch`) is not the global and is left alone.
 * @example
 * const findings = checkWorkflowSources([{ fileName: 'workflows.ts', text }], { readSource: (f) => readIfExists(f) });
 * for (const f of findings) console.log(`${f.fileName}:${f.line}:${f.column}  ${f.message}`);
 */
export function checkWorkflowSources(sources: SourceText[], options: CheckOptions = {}): CheckFinding[] {
  const project = new Project(sources, options.readSource);
  const checked = project.checkedModules();
  // Every workflow is found before any is followed: finding one may load a file, and files are reported in load order.
  // A file that only re-exports workflows (`export { OrderWorkflow } from './order-workflow'`) has them checked too.
  const workflows = project.withReexported(checked.modules).flatMap((module) => workflowsOf(project, module));
  const sightings = new Sightings();
  for (const workflow of workflows) sightings.follow(project, workflow);
  return [...checked.unparsable, ...sightings.findings(project.moduleOrder())];
}
