// One parsed file for `duro check`: its syntax tree, the scopes around each function, and what it exports.
import { parse, type ParserPlugin } from '@babel/parser';
import { type AstNode, child, children, exportName, functionIn, identifierName, isFunction, isNode } from './check-ast';
import type { CheckStyle } from './check-calls';
import { type Binding, declare, type Scope, scopeOf, walkScopes } from './check-scopes';

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

export interface Module {
  fileName: string;
  text: string;
  program: AstNode;
  /** The scopes around each function of the file, so a function can be walked on its own. */
  scopesAround: Map<AstNode, Scope[]>;
  exports: Map<string, Binding>;
  /** Sources of `export * from '…'`. */
  starExports: string[];
}

/** A function some workflow reaches, with the name it is declared under. */
export interface Target {
  module: Module;
  fn: AstNode;
  name: string;
}

export interface Workflow extends Target {
  /** `'order'` for `defineWorkflow('order', …)`, else the source text of the name argument. */
  label: string;
  /** Whose API the advice names: Duro's `ctx` (default), Temporal's functions, or Cloudflare's steps. */
  style?: CheckStyle;
}

export function parseModule(fileName: string, text: string): Module | { error: CheckFinding } {
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
  const module: Module = { fileName, text, program, scopesAround, exports: new Map(), starExports: [] };
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
