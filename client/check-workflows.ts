// Finds the workflows of a file for `duro check`: each function passed to `defineWorkflow`, however it was imported, and
// in a Temporal-style module (one that imports `duro/temporal/workflow` or `@temporalio/workflow`), each exported function.
import { type AstNode, child, children, exportName, functionIn, identifierName, isMember, sourceOf } from './check-ast';
import type { Module, Target, Workflow } from './check-module';
import type { Project } from './check-project';
import { type Scope, walkScopes } from './check-scopes';

/** The calls to `defineWorkflow` (however imported) in a file, and the function each is given. */
export function workflowsOf(project: Project, module: Module): Workflow[] {
  const program = module.program;
  const defineNames = new Set(['defineWorkflow']);
  for (const statement of children(program, 'body')) {
    if (statement.type !== 'ImportDeclaration') continue;
    for (const specifier of children(statement, 'specifiers')) {
      if (specifier.type === 'ImportSpecifier' && exportName(child(specifier, 'imported')) === 'defineWorkflow') defineNames.add(identifierName(child(specifier, 'local')));
    }
  }
  const isDefineWorkflow = (callee: AstNode | undefined) =>
    (callee?.type === 'Identifier' && defineNames.has(identifierName(callee))) ||
    (callee !== undefined && isMember(callee) && !callee.computed && identifierName(child(callee, 'property')) === 'defineWorkflow');
  const workflows: Workflow[] = [];
  if (isTemporalStyle(program)) {
    for (const [name, binding] of module.exports) {
      const target = binding.kind === 'function' ? project.resolve(module, binding) : undefined;
      if (target) workflows.push({ ...target, label: `'${name}'`, style: 'temporal' });
    }
  }
  walkScopes(program, [], (node, stack) => {
    const entrypoint = cloudflareWorkflowRun(module, node, stack);
    if (entrypoint) workflows.push(entrypoint);
    if (node.type !== 'CallExpression' || !isDefineWorkflow(child(node, 'callee'))) return;
    const [nameArgument] = children(node, 'arguments');
    const label = nameArgument?.type === 'StringLiteral' ? `'${String(nameArgument.value)}'` : sourceOf(module.text, nameArgument);
    for (const argument of children(node, 'arguments')) {
      const target = functionArgument(project, module, argument, stack);
      if (target) workflows.push({ ...target, label });
    }
  });
  return workflows;
}

/** Workflow modules written as Temporal's: their exported functions are their workflows. */
const TEMPORAL_WORKFLOW_MODULES = new Set(['duro/temporal/workflow', '@temporalio/workflow']);

function isTemporalStyle(program: AstNode): boolean {
  return children(program, 'body').some((statement) => statement.type === 'ImportDeclaration' && TEMPORAL_WORKFLOW_MODULES.has(String(child(statement, 'source')?.value)));
}

/** Where Cloudflare Workflows' `WorkflowEntrypoint` is imported from: the runtime's module, or Duro's. */
const CLOUDFLARE_WORKFLOW_MODULES = new Set(['cloudflare:workers', 'duro/cloudflare']);

/** `class X extends WorkflowEntrypoint { run(event, step) { … } }`: its `run` is the workflow, checked with Cloudflare's advice. */
function cloudflareWorkflowRun(module: Module, node: AstNode, stack: Scope[]): Workflow | undefined {
  if (node.type !== 'ClassDeclaration' && node.type !== 'ClassExpression') return undefined;
  const base = child(node, 'superClass');
  if (base?.type !== 'Identifier') return undefined;
  const name = identifierName(base);
  const binding = [...stack].reverse().find((scope) => scope.has(name))?.get(name);
  if (binding?.kind !== 'import' || binding.imported !== 'WorkflowEntrypoint' || !CLOUDFLARE_WORKFLOW_MODULES.has(binding.from)) return undefined;
  const body = child(node, 'body');
  const run = body && children(body, 'body').find((member) => member.type === 'ClassMethod' && !member.computed && identifierName(child(member, 'key')) === 'run');
  if (!run) return undefined;
  const id = child(node, 'id');
  const className = id ? identifierName(id) : 'workflow class';
  return { module, fn: run, name: `${className}.run`, label: `'${className}'`, style: 'cloudflare' };
}

/** An inline function, or the function a name in scope stands for (`function f…`, `const f = async () => …`, an import). */
function functionArgument(project: Project, module: Module, argument: AstNode, stack: Scope[]): Target | undefined {
  const inline = functionIn(argument);
  if (inline) return { module, fn: inline, name: 'workflow' };
  if (argument.type !== 'Identifier') return undefined;
  const name = identifierName(argument);
  const binding = [...stack].reverse().find((scope) => scope.has(name))?.get(name);
  return binding && project.resolve(module, binding);
}
