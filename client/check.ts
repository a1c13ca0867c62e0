// `duro check`: finds what breaks replay in workflow code (the clock, randomness, I/O, real timers) without running it.
// Works on the TypeScript syntax tree, so comments, strings and code outside workflow functions are never flagged.
// The caller passes the `typescript` module in: this file imports nothing at runtime and bundles without it.
import type * as TS from 'typescript';

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

/** Global members that differ between the original run and its replay; `ctx` has a replayable stand-in for each. */
const FORBIDDEN_MEMBERS: Record<string, string> = {
  'Date.now': 'Date.now() reads the real clock; use ctx.now() in workflow code',
  'Math.random': 'Math.random() is not replayable; use ctx.random()',
  'crypto.randomUUID': 'crypto.randomUUID() is not replayable; use ctx.uuid()',
  'crypto.getRandomValues': 'crypto.getRandomValues() is not replayable; use ctx.random() or ctx.uuid()',
};

const FORBIDDEN_CALLS: Record<string, string> = {
  fetch: 'fetch() does I/O from workflow code; call it from an activity',
  setTimeout: 'setTimeout() is not durable and does not replay; use ctx.sleep()',
  setInterval: 'setInterval() is not durable and does not replay; use ctx.sleep() in a loop',
  Date: 'Date() reads the real clock; use new Date(ctx.now())',
};

const NEW_DATE = 'new Date() reads the real clock; use new Date(ctx.now())';

/** Names through which code reaches the global object. */
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

/**
 * Flags non-deterministic calls inside the functions passed to `defineWorkflow(...)` (and the functions they
 * declare inline). A name the file declares itself (an import, a local `const fetch`) is not the global and is
 * left alone.
 * @example
 * const ts = await import('typescript');
 * for (const f of checkWorkflowSources(ts, [{ fileName: 'workflows.ts', text }])) console.log(`${f.fileName}:${f.line}:${f.column}  ${f.message}`);
 */
export function checkWorkflowSources(ts: typeof TS, sources: SourceText[]): CheckFinding[] {
  // Files get synthetic absolute names so the compiler never looks at the real file system.
  const byName = new Map(sources.map((source, index) => [`/duro-check/${index}${extensionOf(source.fileName)}`, source]));
  const options: TS.CompilerOptions = { noLib: true, noResolve: true, allowJs: true, types: [], target: ts.ScriptTarget.ES2022, jsx: ts.JsxEmit.Preserve };
  const host: TS.CompilerHost = {
    getSourceFile: (name, target) => {
      const source = byName.get(name);
      return source && ts.createSourceFile(name, source.text, target, true);
    },
    getDefaultLibFileName: () => '/duro-check/lib.d.ts',
    writeFile: () => {},
    getCurrentDirectory: () => '/duro-check',
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => byName.has(name),
    readFile: (name) => byName.get(name)?.text,
  };
  const program = ts.createProgram({ rootNames: [...byName.keys()], options, host });
  const checker = program.getTypeChecker();
  const findings: CheckFinding[] = [];
  for (const [name, source] of byName) {
    const file = program.getSourceFile(name);
    if (!file) {
      findings.push({ fileName: source.fileName, line: 1, column: 1, message: 'not a TypeScript or JavaScript file' });
      continue;
    }
    findings.push(...checkFile(ts, checker, file, source.fileName));
  }
  return findings;
}

function checkFile(ts: typeof TS, checker: TS.TypeChecker, file: TS.SourceFile, fileName: string): CheckFinding[] {
  const seen = new Map<number, CheckFinding>();
  const flag = (node: TS.Node, message: string) => {
    const start = node.getStart(file);
    const { line, character } = file.getLineAndCharacterOfPosition(start);
    seen.set(start, { fileName, line: line + 1, column: character + 1, message });
  };
  /** `Date.now` for `Date.now` or `globalThis.Date.now`, when the root is the global and not a local of that name. */
  const globalPath = (expression: TS.Expression): string | undefined => {
    if (ts.isParenthesizedExpression(expression)) return globalPath(expression.expression);
    if (ts.isIdentifier(expression)) return isGlobal(checker, expression) ? expression.text : undefined;
    if (!ts.isPropertyAccessExpression(expression)) return undefined;
    const base = globalPath(expression.expression);
    if (base === undefined) return undefined;
    return GLOBAL_OBJECTS.has(base) ? expression.name.text : `${base}.${expression.name.text}`;
  };
  const inspect = (node: TS.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const path = globalPath(node);
      const message = path === undefined ? undefined : FORBIDDEN_MEMBERS[path];
      if (message) flag(node, message);
    } else if (ts.isNewExpression(node)) {
      if (globalPath(node.expression) === 'Date' && (node.arguments?.length ?? 0) === 0) flag(node, NEW_DATE);
    } else if (ts.isCallExpression(node)) {
      const path = globalPath(node.expression);
      const message = path === undefined ? undefined : FORBIDDEN_CALLS[path];
      if (message) flag(node, message);
    }
    ts.forEachChild(node, inspect);
  };
  for (const workflow of workflowFunctions(ts, checker, file)) inspect(workflow);
  return [...seen.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The function arguments of every `defineWorkflow(...)` call in the file, inline or declared elsewhere in it. */
function workflowFunctions(ts: typeof TS, checker: TS.TypeChecker, file: TS.SourceFile): TS.Node[] {
  const defineNames = new Set(['defineWorkflow']);
  for (const statement of file.statements) {
    const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) if ((element.propertyName ?? element.name).text === 'defineWorkflow') defineNames.add(element.name.text);
  }
  const isDefineWorkflow = (callee: TS.Expression) =>
    (ts.isIdentifier(callee) && defineNames.has(callee.text)) || (ts.isPropertyAccessExpression(callee) && callee.name.text === 'defineWorkflow');
  const found = new Set<TS.Node>();
  const visit = (node: TS.Node): void => {
    if (ts.isCallExpression(node) && isDefineWorkflow(node.expression)) {
      for (const argument of node.arguments) {
        const fn = functionOf(ts, checker, argument);
        if (fn) found.add(fn);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...found];
}

/** An inline function, or the function a name in this file stands for (`function f…`, `const f = async () => …`). */
function functionOf(ts: typeof TS, checker: TS.TypeChecker, expression: TS.Expression): TS.Node | undefined {
  if (ts.isParenthesizedExpression(expression)) return functionOf(ts, checker, expression.expression);
  if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression)) return expression;
  if (!ts.isIdentifier(expression)) return undefined;
  for (const declaration of checker.getSymbolAtLocation(expression)?.declarations ?? []) {
    if (ts.isFunctionDeclaration(declaration)) return declaration;
    if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
      const initializer = declaration.initializer;
      if (ts.isArrowFunction(initializer) || ts.isFunctionExpression(initializer)) return initializer;
    }
  }
  return undefined;
}

/** True when the name is not declared in the file (no lib is loaded): it can only be the global of that name. */
function isGlobal(checker: TS.TypeChecker, identifier: TS.Identifier): boolean {
  return (checker.getSymbolAtLocation(identifier)?.declarations ?? []).length === 0;
}

function extensionOf(fileName: string): string {
  const match = /\.(?:[cm]?[jt]sx?|d\.ts)$/i.exec(fileName);
  return match ? match[0].toLowerCase() : '.ts';
}
