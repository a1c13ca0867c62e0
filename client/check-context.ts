// How `duro check` follows `ctx` through workflow code: the names it goes by, the functions it is handed to, and the
// callbacks replay does not run again (`ctx.sideEffect`), which are where non-deterministic code belongs.
import { type AstNode, child, children, functionIn, identifierName, isMember, propertyName, unwrapped } from './check-ast';
import type { Binding, ContextBinding } from './check-scopes';

/** `ctx` methods that run their callback once and record its value; replay returns the value without running it. */
const RECORDED_METHODS = new Set(['sideEffect']);

/** `CancellationScope` functions that call their callback with a `ctx` of the new scope: `nonCancellable(ctx, (ctx) => …)`. */
const SCOPE_FUNCTIONS = new Set(['cancellable', 'nonCancellable', 'withTimeout']);

type Find = (name: string) => Binding | undefined;

/** What a call does with `ctx`. */
export interface ContextAtCall {
  /** The callback of `ctx.sideEffect(…)`: it runs outside replay, so nothing in it is flagged or followed. */
  recorded?: AstNode;
  /** Functions the call hands `ctx` to (the callee, a scope's callback), with the parameter positions that hold it. */
  handsContext: [AstNode, number[]][];
}

export function contextAtCall(call: AstNode, find: Find): ContextAtCall {
  const callee = child(call, 'callee');
  const args = children(call, 'arguments');
  const method = contextOf(callee, find)?.member;
  const [first] = args;
  const recorded = method !== undefined && RECORDED_METHODS.has(method) && isFunctionReference(first) ? first : undefined;
  const positions = args.flatMap((arg, index) => (isContext(arg, find) ? [index] : []));
  const handsContext: [AstNode, number[]][] = callee && positions.length > 0 ? [[callee, positions]] : [];
  if (callee && isMember(callee) && SCOPE_FUNCTIONS.has(propertyName(callee, 'property')) && positions[0] === 0) {
    for (const arg of args.slice(1)) if (isFunctionReference(arg)) handsContext.push([functionIn(arg) ?? arg, [0]]);
  }
  return { recorded, handsContext };
}

/** The names `const … = init` takes from `ctx`, when `init` is `ctx` or one of its members. */
export function declaredFromContext(declarator: AstNode, find: Find): [string, Binding][] {
  const source = contextOf(child(declarator, 'init'), find);
  return source ? contextBindings(child(declarator, 'id'), source) : [];
}

/** The names a pattern that receives `source` takes from it: `c` in `(c) =>`, `se` in `({ sideEffect: se }) =>`. */
export function contextBindings(pattern: AstNode | undefined, source: ContextBinding = { kind: 'context' }): [string, Binding][] {
  switch (pattern?.type) {
    case 'Identifier':
      return [[identifierName(pattern), source]];
    case 'AssignmentPattern':
      return contextBindings(child(pattern, 'left'), source);
    case 'ObjectPattern':
      if (source.member !== undefined) return [];
      return children(pattern, 'properties').flatMap((property) => {
        if (property.type === 'RestElement') return contextBindings(child(property, 'argument'), source);
        const member = propertyName(property, 'key');
        return member ? contextBindings(child(property, 'value'), { kind: 'context', member }) : [];
      });
    default:
      return [];
  }
}

/** `ctx` itself or one of its members, when `node` names one. */
function contextOf(node: AstNode | undefined, find: Find): ContextBinding | undefined {
  const bare = unwrapped(node);
  if (bare?.type === 'Identifier') {
    const binding = find(identifierName(bare));
    return binding?.kind === 'context' ? binding : undefined;
  }
  if (!bare || !isMember(bare) || !isContext(child(bare, 'object'), find)) return undefined;
  const member = propertyName(bare, 'property');
  return member ? { kind: 'context', member } : undefined;
}

function isContext(node: AstNode | undefined, find: Find): boolean {
  const found = contextOf(node, find);
  return found !== undefined && found.member === undefined;
}

/** A function given inline, or by a name or a dotted path: the call runs it, passing it on evaluates nothing. */
function isFunctionReference(node: AstNode | undefined): node is AstNode {
  const bare = unwrapped(node);
  if (!bare) return false;
  if (functionIn(bare) || bare.type === 'Identifier') return true;
  return isMember(bare) && !bare.computed && isFunctionReference(child(bare, 'object'));
}
