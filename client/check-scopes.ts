// The names each scope of a file declares, for `duro check`: a local `fetch` or an import is not the global, and a
// helper is found by the name it is declared under.
import { type AstNode, child, children, exportName, forEachChild, functionIn, identifierName, isFunction } from './check-ast';

export type Binding = { kind: 'function'; fn: AstNode; name: string } | { kind: 'import'; from: string; imported: string } | ContextBinding | { kind: 'value' };
/** The workflow's `ctx` under some name, or with `member`, one of its methods (`const { sideEffect } = ctx`). */
export type ContextBinding = { kind: 'context'; member?: string };
export type Scope = Map<string, Binding>;

/** The names a node binds for the code inside it, or undefined when it opens no scope. */
export function scopeOf(node: AstNode): Scope | undefined {
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
export function declare(statement: AstNode): [string, Binding][] {
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
export function walkScopes(root: AstNode, outer: Scope[], onNode: (node: AstNode, stack: Scope[]) => void): void {
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
