// Reading Babel's syntax tree generically for `duro check`: the node shape, its children, and what holds a function.

/** A Babel AST node, read generically: the check needs a few fields of a few node types. */
export interface AstNode {
  type: string;
  start?: number | null;
  end?: number | null;
  loc?: { start: { line: number; column: number } } | null;
  [key: string]: unknown;
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

export function forEachChild(node: AstNode, visit: (child: AstNode, parent: AstNode, key: string) => void): void {
  for (const key of Object.keys(node)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = node[key];
    for (const each of Array.isArray(value) ? value : [value]) if (isNode(each) && !TYPE_ONLY.has(each.type)) visit(each, node, key);
  }
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod']);
const TS_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'ParenthesizedExpression']);

export function isFunction(node: AstNode): boolean {
  return FUNCTION_TYPES.has(node.type);
}

/** The expression inside `as`, `satisfies`, `!` and parentheses. */
export function unwrapped(node: AstNode | undefined): AstNode | undefined {
  return node && TS_WRAPPERS.has(node.type) ? unwrapped(child(node, 'expression')) : node;
}

/** The arrow or function expression, seen through `as`, `satisfies`, `!` and parentheses. */
export function functionIn(node: AstNode | undefined): AstNode | undefined {
  const bare = unwrapped(node);
  return bare?.type === 'ArrowFunctionExpression' || bare?.type === 'FunctionExpression' ? bare : undefined;
}

export function isMember(node: AstNode): boolean {
  return node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression';
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function child(node: AstNode, key: string): AstNode | undefined {
  const value = node[key];
  return isNode(value) ? value : undefined;
}

export function children(node: AstNode, key: string): AstNode[] {
  const value = node[key];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

export function identifierName(node: AstNode | undefined): string {
  return node?.type === 'Identifier' && typeof node.name === 'string' ? node.name : '';
}

/** `p` in `o.p` and `o['p']`, `{ p: … }` and `{ 'p': … }`; empty when computed from anything but a string. */
export function propertyName(node: AstNode, key: 'property' | 'key'): string {
  const property = child(node, key);
  if (property?.type === 'StringLiteral') return String(property.value);
  return node.computed ? '' : identifierName(property);
}

/** `f` in `export { f }` and `export { "f" }`. */
export function exportName(node: AstNode | undefined): string {
  return node?.type === 'StringLiteral' ? String(node.value) : identifierName(node);
}

/** The source text of a node, as the user wrote it. */
export function sourceOf(text: string, node: AstNode | undefined): string {
  return node ? text.slice(node.start ?? 0, node.end ?? 0) : '(unnamed)';
}

/** 1-based line and column. */
export function positionOf(node: AstNode): { line: number; column: number } {
  return { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 };
}
