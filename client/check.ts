// `duro check`: finds what breaks replay in workflow code (the clock, randomness, I/O, real timers) without running it.
// Works on the syntax tree of @babel/parser, Duro's own dependency, so it needs no TypeScript in the project and
// never flags comments, strings, or code that no workflow reaches. Pure: the caller reads files (client/cli-check.ts).
import { parse, type ParserPlugin } from '@babel/parser';

export interface SourceText {
  fileName: string;
  text: string;
}

export interface CheckFinding {
  fileName: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

export interface CheckOptions {
  /**
   * The text of a file that a checked file imports (`./util` is tried as `util.ts`, `util.tsx`, `util.mts`, `util.js`,
   * `util.mjs`, `util/index.ts`), or undefined when there is no such file. Without it, helpers are followed only
   * into the files passed in.
   */
  readSource?: (fileName: string) => string | undefined;
}

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

/** Names through which code reaches the global object. */
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

/** Where `./util` may live, in the order tried. */
const IMPORT_SUFFIXES = ['.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts'];

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
  const sightings = new Sightings();
  const checked = project.checkedModules();
  for (const module of checked.modules) {
    for (const workflow of module.workflows) sightings.follow(project, workflow);
  }
  return [...checked.unparsable, ...sightings.findings(project.moduleOrder())];
}

/** A Babel AST node, read generically: the check needs a few fields of a few node types. */
interface AstNode {
  type: string;
  start?: number | null;
  end?: number | null;
  loc?: { start: { line: number; column: number } } | null;
  [key: string]: unknown;
}

type Binding = { kind: 'function'; fn: AstNode; name: string } | { kind: 'import'; from: string; imported: string } | { kind: 'value' };
type Scope = Map<string, Binding>;

/** A function some workflow reaches, with the name it is declared under. */
interface Target {
  module: Module;
  fn: AstNode;
  name: string;
}

interface Workflow extends Target {
  /** `'order'` for `defineWorkflow('order', …)`, else the source text of the name argument. */
  label: string;
}

interface Module {
  fileName: string;
  text: string;
  program: AstNode;
  /** The scopes around each function of the file, so a function can be walked on its own. */
  scopesAround: Map<AstNode, Scope[]>;
  exports: Map<string, Binding>;
  /** Sources of `export * from '…'`. */
  starExports: string[];
  workflows: Workflow[];
}

/** The files given to check and those loaded on demand, each parsed once. */
class Project {
  readonly #byPath = new Map<string, Module | null>();
  readonly #given: { path: string; source: SourceText }[];
  readonly #readSource: ((fileName: string) => string | undefined) | undefined;

  constructor(sources: SourceText[], readSource: ((fileName: string) => string | undefined) | undefined) {
    this.#given = sources.map((source) => ({ path: normalizePath(source.fileName), source }));
    this.#readSource = readSource;
  }

  /** The given files, parsed, with a finding for each that does not parse. */
  checkedModules(): { modules: Module[]; unparsable: CheckFinding[] } {
    const modules: Module[] = [];
    const unparsable: CheckFinding[] = [];
    for (const { path, source } of this.#given) {
      if (this.#byPath.has(path)) continue;
      const parsed = parseModule(source.fileName, source.text);
      this.#byPath.set(path, 'error' in parsed ? null : parsed);
      if ('error' in parsed) unparsable.push(parsed.error);
      else modules.push(parsed);
    }
    for (const module of modules) module.workflows = workflowsOf(this, module);
    return { modules, unparsable };
  }

  /** Parsed modules in the order findings are reported: the given files first, then files loaded for helpers. */
  moduleOrder(): Module[] {
    return [...this.#byPath.values()].filter((module): module is Module => module !== null);
  }

  /** The module a relative import of `from` names, when it is given or `readSource` finds it. */
  imported(from: Module, specifier: string): Module | undefined {
    for (const path of importCandidates(from.fileName, specifier)) {
      const module = this.#moduleAt(path);
      if (module) return module;
    }
    return undefined;
  }

  /** The function a binding stands for, following imports and re-exports across files. */
  resolve(module: Module, binding: Binding, seen = new Set<string>()): Target | undefined {
    if (binding.kind === 'function') return { module, fn: binding.fn, name: binding.name };
    if (binding.kind === 'value' || binding.imported === '*') return undefined;
    const target = this.imported(module, binding.from);
    return target && this.resolveExport(target, binding.imported, seen);
  }

  resolveExport(module: Module, name: string, seen = new Set<string>()): Target | undefined {
    const key = `${module.fileName}\0${name}`;
    if (seen.has(key)) return undefined; // export * cycles
    seen.add(key);
    const binding = module.exports.get(name);
    if (binding) return this.resolve(module, binding, seen);
    if (name === 'default') return undefined;
    for (const from of module.starExports) {
      const target = this.imported(module, from);
      const found = target && this.resolveExport(target, name, seen);
      if (found) return found;
    }
    return undefined;
  }

  #moduleAt(path: string): Module | undefined {
    if (!this.#byPath.has(path)) {
      const given = this.#given.find((entry) => entry.path === path)?.source;
      const text = given?.text ?? this.#readSource?.(path);
      const parsed = text === undefined ? undefined : parseModule(given?.fileName ?? path, text);
      // A helper file that does not parse is skipped: only the files given to check report parse errors.
      this.#byPath.set(path, parsed && !('error' in parsed) ? parsed : null);
    }
    return this.#byPath.get(path) ?? undefined;
  }
}

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
class Sightings {
  readonly #byPlace = new Map<string, Sighting>();

  /** Walks the workflow and, breadth-first, every helper it reaches; each function once, so recursion ends. */
  follow(project: Project, workflow: Workflow): void {
    const walked = new Set<AstNode>();
    const queue: { target: Target; via: string[] }[] = [{ target: workflow, via: [] }];
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { target, via } = next;
      if (walked.has(target.fn)) continue;
      walked.add(target.fn);
      walkFunction(project, target.module, target.fn, {
        flag: (node, message) => this.#see(target.module, node, message, workflow.label, via),
        reach: (helper) => queue.push({ target: helper, via: [...via, helper.name] }),
      });
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

interface WalkEvents {
  flag(node: AstNode, message: string): void;
  /** A function declared outside the one walked (or in another file) that it calls or passes on. */
  reach(target: Target): void;
}

/** Visits one function with the scopes around it, reporting forbidden calls and the helpers it reaches. */
function walkFunction(project: Project, module: Module, fn: AstNode, events: WalkEvents): void {
  const stack = [...(module.scopesAround.get(fn) ?? [])];
  const outside = stack.length;
  const lookup = (name: string): { binding: Binding; isOutside: boolean } | undefined => {
    for (let index = stack.length - 1; index >= 0; index--) {
      const binding = stack[index]?.get(name);
      if (binding) return { binding, isOutside: index < outside };
    }
    return undefined;
  };
  /** `Date.now` for `Date.now` or `globalThis.Date.now`, when the root is the global and not a local of that name. */
  const globalPath = (node: AstNode | undefined): string | undefined => {
    if (!node) return undefined;
    if (node.type === 'Identifier') return lookup(identifierName(node)) ? undefined : identifierName(node);
    const property = isMember(node) && !node.computed ? identifierName(child(node, 'property')) : '';
    if (!property) return undefined;
    const base = globalPath(child(node, 'object'));
    if (base === undefined) return undefined;
    return GLOBAL_OBJECTS.has(base) ? property : `${base}.${property}`;
  };
  const reachName = (name: string) => {
    const found = lookup(name);
    const target = found?.isOutside ? project.resolve(module, found.binding) : undefined;
    if (target) events.reach(target);
  };
  const inspect = (node: AstNode, parent: AstNode | undefined, key: string): void => {
    if (isMember(node)) {
      const message = FORBIDDEN_MEMBERS.get(globalPath(node) ?? '');
      if (message) events.flag(node, message);
      reachNamespaceMember(project, module, node, lookup, events);
    } else if (node.type === 'NewExpression') {
      if (globalPath(child(node, 'callee')) === 'Date' && children(node, 'arguments').length === 0) events.flag(node, NEW_DATE);
    } else if (node.type === 'CallExpression' || node.type === 'OptionalCallExpression') {
      const message = FORBIDDEN_CALLS.get(globalPath(child(node, 'callee')) ?? '');
      if (message) events.flag(node, message);
    } else if (node.type === 'Identifier' && isReference(parent, key)) {
      reachName(identifierName(node));
    }
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
function reachNamespaceMember(
  project: Project,
  module: Module,
  node: AstNode,
  lookup: (name: string) => { binding: Binding; isOutside: boolean } | undefined,
  events: WalkEvents,
): void {
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

/** The calls to `defineWorkflow` (however imported) in a file, and the function each is given. */
function workflowsOf(project: Project, module: Module): Workflow[] {
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
  walkScopes(program, [], (node, stack) => {
    if (node.type !== 'CallExpression' || !isDefineWorkflow(child(node, 'callee'))) return;
    const [nameArgument] = children(node, 'arguments');
    const label = nameArgument?.type === 'StringLiteral' ? `'${String(nameArgument.value)}'` : sourceOf(module, nameArgument);
    for (const argument of children(node, 'arguments')) {
      const target = functionArgument(project, module, argument, stack);
      if (target) workflows.push({ ...target, label });
    }
  });
  return workflows;
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

function parseModule(fileName: string, text: string): Module | { error: CheckFinding } {
  let program: unknown;
  try {
    // errorRecovery: like a compiler, keep going past what it can (a stray token, a parameter decorator).
    program = parse(text, { sourceType: 'module', errorRecovery: true, plugins: pluginsFor(fileName) }).program;
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    const message = `cannot parse: ${error instanceof Error ? error.message : String(error)}`;
    return { error: { fileName, line: loc?.line ?? 1, column: (loc?.column ?? 0) + 1, message } };
  }
  if (!isNode(program)) return { error: { fileName, line: 1, column: 1, message: 'cannot parse: no program' } };
  const scopesAround = new Map<AstNode, Scope[]>([[program, []]]);
  walkScopes(program, [], (node, stack) => {
    if (isFunction(node)) scopesAround.set(node, [...stack]);
  });
  const module: Module = { fileName, text, program, scopesAround, exports: new Map(), starExports: [], workflows: [] };
  collectExports(module, program, scopeOf(program) ?? new Map());
  return module;
}

function pluginsFor(fileName: string): ParserPlugin[] {
  const decorators: ParserPlugin[] = ['decorators', 'decoratorAutoAccessors'];
  if (/\.[cm]?tsx$/i.test(fileName)) return ['typescript', 'jsx', ...decorators];
  // Like the TypeScript compiler, JSX is allowed in every JavaScript file; a name with no known extension is TypeScript.
  if (/\.[cm]?jsx?$/i.test(fileName)) return ['jsx', ...decorators];
  return ['typescript', ...decorators];
}

function collectExports(module: Module, program: AstNode, programScope: Scope): void {
  const local = (name: string): Binding => programScope.get(name) ?? { kind: 'value' };
  for (const statement of children(program, 'body')) {
    const from = child(statement, 'source')?.value;
    if (statement.type === 'ExportAllDeclaration') {
      if (typeof from === 'string') module.starExports.push(from);
    } else if (statement.type === 'ExportNamedDeclaration') {
      const declaration = child(statement, 'declaration');
      for (const [name] of declaration ? declare(declaration) : []) module.exports.set(name, local(name));
      for (const specifier of children(statement, 'specifiers')) {
        const exported = exportName(child(specifier, 'exported'));
        const imported = specifier.type === 'ExportNamespaceSpecifier' ? '*' : exportName(child(specifier, 'local'));
        module.exports.set(exported, typeof from === 'string' ? { kind: 'import', from, imported } : local(imported));
      }
    } else if (statement.type === 'ExportDefaultDeclaration') {
      const declaration = child(statement, 'declaration');
      const fn = declaration && (functionIn(declaration) ?? (declaration.type === 'FunctionDeclaration' ? declaration : undefined));
      const named = declaration?.type === 'Identifier' ? identifierName(declaration) : identifierName(child(declaration ?? statement, 'id'));
      module.exports.set('default', named ? local(named) : fn ? { kind: 'function', fn, name: 'default export' } : { kind: 'value' });
    }
  }
}

/** The names a node binds for the code inside it, or undefined when it opens no scope. */
function scopeOf(node: AstNode): Scope | undefined {
  switch (node.type) {
    case 'Program':
      return new Map([...hoistedVars(children(node, 'body')), ...declareAll(children(node, 'body'))]);
    case 'BlockStatement':
    case 'StaticBlock':
    case 'TSModuleBlock':
      return new Map(declareAll(children(node, 'body')));
    case 'SwitchStatement':
      return new Map(declareAll(children(node, 'cases').flatMap((c) => children(c, 'consequent'))));
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement': {
      const head = child(node, node.type === 'ForStatement' ? 'init' : 'left');
      return new Map(head?.type === 'VariableDeclaration' ? declare(head) : []);
    }
    case 'CatchClause':
      return new Map(patternNames(child(node, 'param')).map((name) => [name, { kind: 'value' } as Binding]));
    default: {
      if (!isFunction(node)) return undefined;
      const scope: Scope = new Map(children(node, 'params').flatMap((param) => patternNames(param)).map((name) => [name, { kind: 'value' }]));
      const ownName = node.type === 'FunctionExpression' ? identifierName(child(node, 'id')) : '';
      if (ownName) scope.set(ownName, { kind: 'function', fn: node, name: ownName });
      const body = child(node, 'body');
      for (const [name, binding] of body?.type === 'BlockStatement' ? hoistedVars(children(body, 'body')) : []) scope.set(name, binding);
      return scope;
    }
  }
}

function declareAll(statements: AstNode[]): [string, Binding][] {
  return statements.flatMap((statement) => declare(statement));
}

/** What one statement declares in its block: functions by name, imports by source, anything else as a plain value. */
function declare(statement: AstNode): [string, Binding][] {
  const value: Binding = { kind: 'value' };
  const id = identifierName(child(statement, 'id'));
  switch (statement.type) {
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration': {
      const declaration = child(statement, 'declaration');
      return declaration ? declare(declaration) : [];
    }
    case 'FunctionDeclaration':
      return id ? [[id, { kind: 'function', fn: statement, name: id }]] : [];
    case 'VariableDeclaration':
      return children(statement, 'declarations').flatMap((declarator): [string, Binding][] => {
        const name = identifierName(child(declarator, 'id'));
        const fn = functionIn(child(declarator, 'init'));
        if (name && fn) return [[name, { kind: 'function', fn, name }]];
        return patternNames(child(declarator, 'id')).map((each) => [each, value]);
      });
    case 'ImportDeclaration': {
      const from = String(child(statement, 'source')?.value);
      return children(statement, 'specifiers').map((specifier): [string, Binding] => {
        const imported = specifier.type === 'ImportSpecifier' ? exportName(child(specifier, 'imported')) : specifier.type === 'ImportDefaultSpecifier' ? 'default' : '*';
        return [identifierName(child(specifier, 'local')), { kind: 'import', from, imported }];
      });
    }
    case 'ClassDeclaration':
    case 'TSEnumDeclaration':
    case 'TSModuleDeclaration':
    case 'TSImportEqualsDeclaration':
    case 'TSDeclareFunction':
      return id ? [[id, value]] : [];
    default:
      return [];
  }
}

/** `var` declarations anywhere in a function body (not in nested functions): they belong to the whole function. */
function hoistedVars(statements: AstNode[]): [string, Binding][] {
  const names: string[] = [];
  const visit = (node: AstNode): void => {
    if (isFunction(node)) return;
    if (node.type === 'VariableDeclaration' && node.kind === 'var') {
      for (const declarator of children(node, 'declarations')) names.push(...patternNames(child(declarator, 'id')));
    }
    forEachChild(node, visit);
  };
  statements.forEach(visit);
  return names.map((name) => [name, { kind: 'value' }]);
}

function patternNames(node: AstNode | undefined): string[] {
  switch (node?.type) {
    case 'Identifier':
      return [identifierName(node)];
    case 'ObjectPattern':
      return children(node, 'properties').flatMap((property) => patternNames(child(property, property.type === 'RestElement' ? 'argument' : 'value')));
    case 'ArrayPattern':
      return children(node, 'elements').flatMap((element) => patternNames(element));
    case 'AssignmentPattern':
      return patternNames(child(node, 'left'));
    case 'RestElement':
      return patternNames(child(node, 'argument'));
    case 'TSParameterProperty':
      return patternNames(child(node, 'parameter'));
    default:
      return [];
  }
}

/** Visits every node under `root` with the scopes in force there. */
function walkScopes(root: AstNode, outer: Scope[], onNode: (node: AstNode, stack: Scope[]) => void): void {
  const stack = [...outer];
  const visit = (node: AstNode): void => {
    onNode(node, stack);
    const scope = scopeOf(node);
    if (scope) stack.push(scope);
    forEachChild(node, visit);
    if (scope) stack.pop();
  };
  visit(root);
}

/** Keys that hold types, comments and positions: nothing there runs. */
const SKIPPED_KEYS = new Set([
  'loc',
  'extra',
  'leadingComments',
  'trailingComments',
  'innerComments',
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'superTypeParameters',
  'typeArguments',
  'implements',
]);
const TYPE_ONLY = new Set(['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSDeclareFunction', 'TSDeclareMethod']);

function forEachChild(node: AstNode, visit: (child: AstNode, parent: AstNode, key: string) => void): void {
  for (const key of Object.keys(node)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = node[key];
    for (const each of Array.isArray(value) ? value : [value]) if (isNode(each) && !TYPE_ONLY.has(each.type)) visit(each, node, key);
  }
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod']);
const TS_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'ParenthesizedExpression']);

function isFunction(node: AstNode): boolean {
  return FUNCTION_TYPES.has(node.type);
}

/** The arrow or function expression, seen through `as`, `satisfies`, `!` and parentheses. */
function functionIn(node: AstNode | undefined): AstNode | undefined {
  if (node?.type === 'ArrowFunctionExpression' || node?.type === 'FunctionExpression') return node;
  return node && TS_WRAPPERS.has(node.type) ? functionIn(child(node, 'expression')) : undefined;
}

function isMember(node: AstNode): boolean {
  return node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression';
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function child(node: AstNode, key: string): AstNode | undefined {
  const value = node[key];
  return isNode(value) ? value : undefined;
}

function children(node: AstNode, key: string): AstNode[] {
  const value = node[key];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

function identifierName(node: AstNode | undefined): string {
  return node?.type === 'Identifier' && typeof node.name === 'string' ? node.name : '';
}

/** `f` in `export { f }` and `export { "f" }`. */
function exportName(node: AstNode | undefined): string {
  return node?.type === 'StringLiteral' ? String(node.value) : identifierName(node);
}

function sourceOf(module: Module, node: AstNode | undefined): string {
  return node ? module.text.slice(node.start ?? 0, node.end ?? 0) : '(unnamed)';
}

function positionOf(node: AstNode): { line: number; column: number } {
  return { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 };
}

/** Paths `specifier` may name, relative to the importing file; none for packages (`duro/workflow`). */
function importCandidates(fromFile: string, specifier: string): string[] {
  if (!/^\.\.?(\/|$)/.test(specifier)) return [];
  const slash = fromFile.replace(/\\/g, '/').lastIndexOf('/');
  const base = normalizePath(`${fromFile.replace(/\\/g, '/').slice(0, slash + 1)}${specifier}`);
  // `./util.js` in TypeScript source names util.ts (the compiler's ESM convention).
  const typed = /\.m?js$/.test(base) ? [base.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'), base.replace(/\.js$/, '.tsx')] : [];
  const exact = /\.[cm]?[jt]sx?$/.test(base) ? [base] : [];
  return [...new Set([...typed, ...exact, ...IMPORT_SUFFIXES.map((suffix) => base + suffix)])];
}

/** `a/./b/../c.ts` → `a/c.ts`, with `/` separators; `..` past the start of a relative path is kept. */
function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '.' || (part === '' && parts.length > 0)) continue;
    if (part === '..' && parts.length > 0 && parts.at(-1) !== '..' && parts.at(-1) !== '') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}
