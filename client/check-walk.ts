// Walks one function for `duro check`, with the scopes around it: reports the forbidden calls in it and the helpers
// (declared outside it, or in another file) that it reaches.
import { type AstNode, child, forEachChild, identifierName, isMember } from './check-ast';
import { forbiddenUse } from './check-calls';
import type { Module, Target } from './check-module';
import type { Project } from './check-project';
import { type Binding, scopeOf } from './check-scopes';

export interface WalkEvents {
  flag(node: AstNode, message: string): void;
  /** A function declared outside the one walked (or in another file) that it calls or passes on. */
  reach(target: Target): void;
}

type Lookup = (name: string) => { binding: Binding; isOutside: boolean } | undefined;

/** Visits one function with the scopes around it, reporting forbidden calls and the helpers it reaches. */
export function walkFunction(project: Project, module: Module, fn: AstNode, events: WalkEvents): void {
  const stack = [...(module.scopesAround.get(fn) ?? [])];
  const outside = stack.length;
  const lookup: Lookup = (name) => {
    for (let index = stack.length - 1; index >= 0; index--) {
      const binding = stack[index]?.get(name);
      if (binding) return { binding, isOutside: index < outside };
    }
    return undefined;
  };
  const reachName = (name: string) => {
    const found = lookup(name);
    const target = found?.isOutside ? project.resolve(module, found.binding) : undefined;
    if (target) events.reach(target);
  };
  const inspect = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    const message = forbiddenUse(node, (name) => lookup(name) !== undefined);
    if (message) events.flag(node, message);
    if (isMember(node)) reachNamespaceMember(project, module, node, lookup, events);
    else if (node.type === 'Identifier' && isReference(parent, key)) reachName(identifierName(node));
  };
  const visit = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    const scope = scopeOf(node);
    if (scope) stack.push(scope);
    inspect(node, parent, key);
    forEachChild(node, visit);
    if (scope) stack.pop();
  };
  visit(fn, undefined, '');
}

/** `util.stampOf` where `util` is `import * as util from './util'`. */
function reachNamespaceMember(project: Project, module: Module, node: AstNode, lookup: Lookup, events: WalkEvents): void {
  const object = child(node, 'object');
  const property = node.computed ? '' : identifierName(child(node, 'property'));
  const namespace = object?.type === 'Identifier' && property ? lookup(identifierName(object))?.binding : undefined;
  if (namespace?.kind !== 'import' || namespace.imported !== '*') return;
  const imported = project.imported(module, namespace.from);
  const target = imported && project.resolveExport(imported, property);
  if (target) events.reach(target);
}

/** False where an identifier names a property, key, label or declaration rather than a binding in scope. */
function isReference(parent: AstNode | undefined, key: string): boolean {
  if (!parent || key === 'id' || key === 'label' || parent.type === 'MetaProperty') return false;
  if ((key === 'property' || key === 'key') && !parent.computed) return false;
  return true;
}
