// Gathers what `duro check` finds as workflows are followed: one finding per place, naming each workflow that reaches it.
import { type AstNode, positionOf } from './check-ast';
import type { CheckFinding, Module, Target, Workflow } from './check-module';
import type { Project } from './check-project';
import { walkFunction } from './check-walk';

/** A forbidden call found at one place, and how workflows reach it. */
interface Sighting {
  module: Module;
  node: AstNode;
  message: string;
  /** Inside a workflow function itself, not only in a helper. */
  isWorkflowCode: boolean;
  /** Per workflow that reaches it through helpers, the helpers called on the way, this one last. */
  routes: { workflow: string; via: string[] }[];
}

/** What each workflow reaches, one finding per place however many workflows reach it. */
export class Sightings {
  readonly #byPlace = new Map<string, Sighting>();

  /**
   * Walks the workflow (its first parameter is `ctx`) and, breadth-first, every helper it reaches; each function once
   * per set of parameters that hold `ctx`, so recursion ends.
   */
  follow(project: Project, workflow: Workflow): void {
    const walked = new Map<AstNode, Set<string>>();
    const queue: { target: Target; via: string[]; contextParams: number[] }[] = [{ target: workflow, via: [], contextParams: [0] }];
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { target, via, contextParams } = next;
      const ways = walked.get(target.fn) ?? new Set<string>();
      if (ways.has(String(contextParams))) continue;
      walked.set(target.fn, ways.add(String(contextParams)));
      walkFunction(project, target.module, target.fn, contextParams, {
        flag: (node, message) => this.#see(target.module, node, message, workflow.label, via),
        reach: (helper, params) => queue.push({ target: helper, via: [...via, helper.name], contextParams: params }),
      }, workflow.style ?? 'ctx');
    }
  }

  findings(order: Module[]): CheckFinding[] {
    const rank = new Map(order.map((module, index) => [module, index]));
    const sorted = [...this.#byPlace.values()].sort((a, b) => (rank.get(a.module) ?? 0) - (rank.get(b.module) ?? 0) || (a.node.start ?? 0) - (b.node.start ?? 0));
    return sorted.map((sighting) => ({ fileName: sighting.module.fileName, ...positionOf(sighting.node), message: messageOf(sighting) }));
  }

  #see(module: Module, node: AstNode, message: string, workflow: string, via: string[]): void {
    const key = `${module.fileName}\0${node.start}`;
    const sighting: Sighting = this.#byPlace.get(key) ?? { module, node, message, isWorkflowCode: false, routes: [] };
    this.#byPlace.set(key, sighting);
    if (via.length === 0) sighting.isWorkflowCode = true;
    else if (!sighting.routes.some((route) => route.workflow === workflow)) sighting.routes.push({ workflow, via });
  }
}

/** `… (in helper stampOf, called from workflow 'order' via audit)` for code a workflow reaches through helpers. */
function messageOf(sighting: Sighting): string {
  const [first] = sighting.routes;
  if (sighting.isWorkflowCode || !first) return sighting.message;
  const callers = sighting.routes.map(({ workflow, via }) => `workflow ${workflow}${via.length > 1 ? ` via ${via.slice(0, -1).join(' → ')}` : ''}`);
  return `${sighting.message} (in helper ${first.via.at(-1)}, called from ${callers.join(' and from ')})`;
}
