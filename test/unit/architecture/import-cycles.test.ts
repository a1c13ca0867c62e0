// No import cycle in src/, durable-objects/ or client/ (issue 16): a cycle makes module evaluation order matter
// (a value read before its module ran is undefined) and ties files that should be able to change apart.
// Value cycles fail everywhere; a cycle of type-only imports fails too unless listed in `allowed` below.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cyclesOf, importGraph, importsOf, pathAliases, pathThrough, sourceFiles, type ImportEdge } from './import-graph';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Cycles that exist only through `import type`, left for now: each entry is one cycle's files, sorted. Shrink
 * this list, never grow it. The test fails when an entry is no longer a cycle, so it stays exact.
 */
const allowed: string[][] = [
  // The public workflow API's types refer to one another: a workflow function takes a ctx, the ctx has a scope and
  // takes signal/query/update definitions, a scope's helpers take a ctx.
  // Breaking it would mean loosening the public types users write (`ctx.cancellationScope` as a CancellationScope).
  ['src/core/cancellation-scope.ts', 'src/core/context.ts', 'src/core/definitions.ts'],
];

const files = sourceFiles(root, ['src', 'durable-objects', 'client']);
const edges = importGraph(root, files, pathAliases(root));

function describeCycles(cycles: string[][], graph: ImportEdge[]): string[] {
  return cycles.map((cycle) => `${cycle.length} files: ${pathThrough(cycle, graph)}`);
}

describe('import cycles', () => {
  it('reads the graph of every source file', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(files.length);
    expect(files).toContain('durable-objects/workflow-execution.ts');
  });

  it('has no cycle of value imports', () => {
    const valueEdges = edges.filter((edge) => !edge.typeOnly);
    expect(describeCycles(cyclesOf(valueEdges), valueEdges)).toEqual([]);
  });

  it('has no cycle of type imports either, but those allowed for now', () => {
    const cycles = cyclesOf(edges);
    const key = (cycle: string[]) => cycle.join(' ');
    const allowedKeys = new Set(allowed.map(key));
    expect(describeCycles(cycles.filter((cycle) => !allowedKeys.has(key(cycle))), edges)).toEqual([]);
    const present = new Set(cycles.map(key));
    expect(allowed.filter((cycle) => !present.has(key(cycle)))).toEqual([]);
  });
});

describe('the import graph reader', () => {
  it('tells type-only imports from value imports', () => {
    const source = [
      "import type { A } from './a';",
      "import { type B, type C } from './b';",
      "import { type D, e } from './c';",
      "import f from './d';",
      "import './e';",
      "export type { G } from './f';",
      "export { h } from './g';",
      "export * from './h';",
      "const i = await import('./i');",
      "let j: import('./j').J;",
    ].join('\n');
    expect(importsOf('x.ts', source)).toEqual([
      { specifier: './a', typeOnly: true },
      { specifier: './b', typeOnly: true },
      { specifier: './c', typeOnly: false },
      { specifier: './d', typeOnly: false },
      { specifier: './e', typeOnly: false },
      { specifier: './f', typeOnly: true },
      { specifier: './g', typeOnly: false },
      { specifier: './h', typeOnly: false },
      { specifier: './i', typeOnly: false },
      { specifier: './j', typeOnly: true },
    ]);
  });

  it('finds every cycle and a path through it', () => {
    const graph: ImportEdge[] = [
      { from: 'a', to: 'b', typeOnly: false },
      { from: 'b', to: 'c', typeOnly: false },
      { from: 'c', to: 'a', typeOnly: true },
      { from: 'c', to: 'd', typeOnly: false },
      { from: 'd', to: 'd', typeOnly: false },
      { from: 'e', to: 'a', typeOnly: false },
    ];
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(pathThrough(['a', 'b', 'c'], graph)).toBe('a → b → c → a');
    expect(cyclesOf(graph.filter((edge) => !edge.typeOnly))).toEqual([['d']]);
  });
});
