// What `duro check` forbids in workflow code: the global calls that differ between a run and its replay.
import { type AstNode, child, children, identifierName, isMember } from './check-ast';

/** Global members that differ between the original run and its replay; `ctx` has a replayable stand-in for each. */
// Maps, not object literals: a global `toString()` must not find Object.prototype.toString.
const FORBIDDEN_MEMBERS = new Map([
  ['Date.now', 'Date.now() reads the real clock; use ctx.now() in workflow code'],
  ['Math.random', 'Math.random() is not replayable; use ctx.random()'],
  ['crypto.randomUUID', 'crypto.randomUUID() is not replayable; use ctx.uuid()'],
  ['crypto.getRandomValues', 'crypto.getRandomValues() is not replayable; use ctx.random() or ctx.uuid()'],
]);

const FORBIDDEN_CALLS = new Map([
  ['fetch', 'fetch() does I/O from workflow code; call it from an activity'],
  ['setTimeout', 'setTimeout() is not durable and does not replay; use ctx.sleep()'],
  ['setInterval', 'setInterval() is not durable and does not replay; use ctx.sleep() in a loop'],
  ['Date', 'Date() reads the real clock; use new Date(ctx.now())'],
]);

const NEW_DATE = 'new Date() reads the real clock; use new Date(ctx.now())';

/**
 * In Temporal-style workflow code (`duro/temporal/workflow`), as in Temporal's sandbox, `Date`, `Math.random` and
 * `setTimeout` are the workflow's own (Duro's determinism guards, docs/temporal.md) and are left alone; what neither
 * makes replayable is flagged with the Temporal function to use.
 */
const TEMPORAL_MEMBERS = new Map([
  ['crypto.randomUUID', 'crypto.randomUUID() is not replayable; use uuid4()'],
  ['crypto.getRandomValues', 'crypto.getRandomValues() is not replayable; use Math.random() or uuid4()'],
]);

const TEMPORAL_CALLS = new Map([
  ['fetch', 'fetch() does I/O from workflow code; call it from an activity'],
  ['setInterval', 'setInterval() is not durable and does not replay; use sleep() in a loop'],
]);

/**
 * In a Cloudflare-style workflow's `run()` (`WorkflowEntrypoint`), the globals are guarded as in Temporal-style code;
 * what stays flagged belongs in a step, whose result is recorded.
 */
const CLOUDFLARE_MEMBERS = new Map([
  ['crypto.randomUUID', 'crypto.randomUUID() is not replayable; call it inside step.do() so its value is recorded'],
  ['crypto.getRandomValues', 'crypto.getRandomValues() is not replayable; call it inside step.do() so its value is recorded'],
]);

const CLOUDFLARE_CALLS = new Map([
  ['fetch', 'fetch() does I/O outside a step; call it inside step.do()'],
  ['setInterval', 'setInterval() is not durable and does not replay; use step.sleep() in a loop'],
]);

/** Which API the advice names: Duro's `ctx`, Temporal's free functions, or Cloudflare's steps. */
export type CheckStyle = 'ctx' | 'temporal' | 'cloudflare';

const MEMBERS: Record<CheckStyle, Map<string, string>> = { ctx: FORBIDDEN_MEMBERS, temporal: TEMPORAL_MEMBERS, cloudflare: CLOUDFLARE_MEMBERS };
const CALLS: Record<CheckStyle, Map<string, string>> = { ctx: FORBIDDEN_CALLS, temporal: TEMPORAL_CALLS, cloudflare: CLOUDFLARE_CALLS };

/** Names through which code reaches the global object. */
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

/**
 * Why `node` breaks replay, or undefined when it does not. `isDeclared` says whether a name is declared in the code
 * around it: then it is not the global (an imported `setTimeout`, a local `Math`).
 */
export function forbiddenUse(node: AstNode, isDeclared: (name: string) => boolean, style: CheckStyle = 'ctx'): string | undefined {
  const pathOf = (each: AstNode | undefined) => globalPath(each, isDeclared) ?? '';
  if (isMember(node)) return MEMBERS[style].get(pathOf(node));
  if (node.type === 'NewExpression') return style === 'ctx' && pathOf(child(node, 'callee')) === 'Date' && children(node, 'arguments').length === 0 ? NEW_DATE : undefined;
  if (node.type === 'CallExpression' || node.type === 'OptionalCallExpression') return CALLS[style].get(pathOf(child(node, 'callee')));
  return undefined;
}

/** `Date.now` for `Date.now` or `globalThis.Date.now`, when the root is the global and not a local of that name. */
function globalPath(node: AstNode | undefined, isDeclared: (name: string) => boolean): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier') return isDeclared(identifierName(node)) ? undefined : identifierName(node);
  const property = isMember(node) && !node.computed ? identifierName(child(node, 'property')) : '';
  if (!property) return undefined;
  const base = globalPath(child(node, 'object'), isDeclared);
  if (base === undefined) return undefined;
  return GLOBAL_OBJECTS.has(base) ? property : `${base}.${property}`;
}
