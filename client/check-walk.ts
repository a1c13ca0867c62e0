// Walks one function for `duro check`, with the scopes around it: reports the forbidden calls in it and the helpers
// (declared outside it, or in another file) that it reaches.
import { type AstNode, child, children, forEachChild, identifierName, isFunction, isMember } from './check-ast';
import { type CheckStyle, forbiddenUse } from './check-calls';
import { contextAtCall, contextBindings, declaredFromContext } from './check-context';
import type { Module, Target } from './check-module';
import type { Project } from './check-project';
import { type Binding, scopeOf } from './check-scopes';

export interface WalkEvents {
  flag(node: AstNode, message: string): void;
  /** A function declared outside the one walked (or in another file) that it calls or passes on, with the parameters it hands `ctx` in. */
  reach(target: Target, contextParams: number[]): void;
}

type Lookup = (name: string) => { binding: Binding; isOutside: boolean } | undefined;

/** Visits one function with the scopes around it, reporting forbidden calls and the helpers it reaches. */
export function walkFunction(project: Project, module: Module, fn: AstNode, contextParams: number[], events: WalkEvents, style: CheckStyle = 'ctx'): void {
  const stack = [...(module.scopesAround.get(fn) ?? [])];
  const outside = stack.length;
  const lookup: Lookup = (name) => {
    for (let index = stack.length - 1; index >= 0; index--) {
      const binding = stack[index]?.get(name);
      if (binding) return { binding, isOutside: index < outside };
    }
    return undefined;
  };
  const find = (name: string) => lookup(name)?.binding;
  /** Marks a name declared inside the walked function as `ctx`; the scopes around it are shared and left alone. */
  const bind = ([name, binding]: [string, Binding]) => {
    for (let index = stack.length - 1; index >= outside; index--) {
      const scope = stack[index];
      if (!scope?.has(name)) continue;
      scope.set(name, binding);
      return;
    }
  };
  /** Calls and functions that are handed `ctx`, with the parameters that hold it. */
  const handsContext = new Map<AstNode, number[]>([[fn, contextParams]]);
  const recorded = new Set<AstNode>();
  const reachName = (node: AstNode) => {
    const found = lookup(identifierName(node));
    const target = found?.isOutside ? project.resolve(module, found.binding) : undefined;
    if (target) events.reach(target, handsContext.get(node) ?? []);
  };
  const inspect = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    const message = forbiddenUse(node, (name) => lookup(name) !== undefined, style);
    if (message) events.flag(node, message);
    if (style === 'cloudflare' && isStepDo(node)) {
      // A step's callback and its rollback run as the step, whose result is recorded: I/O belongs there.
      for (const argument of children(node, 'arguments')) recorded.add(argument);
    }
    if (node.type === 'CallExpression' || node.type === 'OptionalCallExpression') {
      const atCall = contextAtCall(node, find);
      if (atCall.recorded) recorded.add(atCall.recorded);
      for (const [callee, params] of atCall.handsContext) handsContext.set(callee, params);
    }
    if (node.type === 'VariableDeclarator') declaredFromContext(node, find).forEach(bind);
    if (isMember(node)) reachNamespaceMember(project, module, node, lookup, (target) => events.reach(target, handsContext.get(node) ?? []));
    else if (node.type === 'Identifier' && isReference(parent, key)) reachName(node);
  };
  const visit = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    if (recorded.has(node)) return; // ctx.sideEffect's callback: its value is recorded and replayed, never recomputed
    const scope = scopeOf(node);
    if (scope) stack.push(scope);
    const params = isFunction(node) ? children(node, 'params') : [];
    for (const index of handsContext.get(node) ?? []) contextBindings(params[index]).forEach(bind);
    inspect(node, parent, key);
    forEachChild(node, visit);
    if (scope) stack.pop();
  };
  visit(fn, undefined, '');
}

/** `step.do(…)`: a Cloudflare step, its callback run as a recorded step. */
function isStepDo(node: AstNode): boolean {
  if (node.type !== 'CallExpression' && node.type !== 'OptionalCallExpression') return false;
  const callee = child(node, 'callee');
  return callee !== undefined && isMember(callee) && !callee.computed && identifierName(child(callee, 'property')) === 'do';
}

/** `util.stampOf` where `util` is `import * as util from './util'`. */
function reachNamespaceMember(project: Project, module: Module, node: AstNode, lookup: Lookup, reach: (target: Target) => void): void {
  const object = child(node, 'object');
  const property = node.computed ? '' : identifierName(child(node, 'property'));
  const namespace = object?.type === 'Identifier' && property ? lookup(identifierName(object))?.binding : undefined;
  if (namespace?.kind !== 'import' || namespace.imported !== '*') return;
  const imported = project.imported(module, namespace.from);
  const target = imported && project.resolveExport(imported, property);
  if (target) reach(target);
}

/** False where an identifier names a property, key, label or declaration rather than a binding in scope. */
function isReference(parent: AstNode | undefined, key: string): boolean {
  if (!parent || key === 'id' || key === 'label' || parent.type === 'MetaProperty') return false;
  if ((key === 'property' || key === 'key') && !parent.computed) return false;
  return true;
}
