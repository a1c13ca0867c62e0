// docs/temporal.md has a table per package of Temporal's TypeScript SDK, and every export of its five packages
// (test/fixtures/temporal/temporal-exports.json: `export *` followed from packages/*/src/index.ts of the SDK) must have
// a row there saying supported, differs or not supported. A name the table calls supported must be exported by Duro's
// entry point of that package, and a name it calls not supported must not be.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as activity from 'duro/temporal/activity';
import * as client from 'duro/temporal/client';
import * as testing from 'duro/temporal/testing';
import * as worker from 'duro/temporal/worker';
import * as workflow from 'duro/temporal/workflow';
import temporalExports from '../../fixtures/temporal/temporal-exports.json';

type Package = 'workflow' | 'activity' | 'client' | 'worker' | 'testing';
type Verdict = 'supported' | 'differs' | 'not supported';

const packages: Package[] = ['workflow', 'activity', 'client', 'worker', 'testing'];
const entries: Record<Package, Record<string, unknown>> = { workflow, activity, client, worker, testing };

/**
 * Names the docs call supported that exist only as types, so cannot be seen on the module at runtime. Each is checked
 * below to be exported as a type by the entry's index.ts and not to be a runtime export. Keep it short: a runtime
 * export belongs nowhere here.
 */
const typeOnly: Record<Package, string[]> = {
  workflow: [
    'ActivityInterfaceFor', 'ActivityOptions', 'CancellationScopeOptions', 'ChildWorkflowHandle', 'ChildWorkflowOptions', 'ContinueAsNewOptions',
    'ExternalWorkflowHandle', 'QueryDefinition', 'RetryPolicy', 'SignalDefinition', 'Sink', 'SinkFunction', 'Sinks', 'Workflow', 'WorkflowInfo',
    'LocalActivityInterfaceFor', 'ParentWorkflowInfo', 'UnsafeWorkflowInfo', 'ActivityFunction', 'UntypedActivities', 'ActivityInterface', 'SearchAttributes',
  ],
  activity: ['ActivityFunction', 'Info', 'UntypedActivities'],
  client: [
    'ClientOptions', 'ConnectionOptions', 'QueryDefinition', 'RetryPolicy', 'SignalDefinition', 'UpdateDefinition', 'Workflow', 'WorkflowExecutionDescription',
    'WorkflowExecutionInfo', 'WorkflowExecutionStatusName', 'WorkflowOptions', 'WorkflowResultType', 'WorkflowSignalWithStartOptions', 'WorkflowStartOptions',
    'WorkflowUpdateHandle', 'WorkflowUpdateOptions',
  ],
  worker: ['InjectedSink', 'InjectedSinkFunction', 'InjectedSinks', 'Logger', 'State', 'WorkerOptions'],
  testing: [],
};

const doc = readFileSync(fileURLToPath(new URL('../../../docs/temporal.md', import.meta.url)), 'utf8');

function indexSource(pkg: Package): string {
  return readFileSync(fileURLToPath(new URL(`../../../src/temporal/${pkg}/index.ts`, import.meta.url)), 'utf8');
}

/**
 * A package's section of the doc: from the one level-2 heading (`## `) that names its entry point (`duro/temporal/<pkg>`,
 * in backticks or not, not followed by more of a name) to the next level-2 heading. Lines inside fenced code blocks are
 * never headings (a `## ` in an example does not end a section). Exactly one heading must name the entry point, so a
 * section renamed, merged with another package's or split in two fails here instead of checking the wrong text.
 */
function section(pkg: Package): string {
  const lines = doc.split('\n');
  const headings: number[] = [];
  let fenced = false;
  lines.forEach((line, at) => {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced && line.startsWith('## ')) headings.push(at);
  });
  const named = new RegExp(`duro/temporal/${pkg}(?![\\w/-])`);
  const mine = headings.filter((at) => named.test(lines[at]!));
  expect(mine.map((at) => lines[at]), `one level-2 heading naming duro/temporal/${pkg}`).toHaveLength(1);
  const start = mine[0]!;
  const end = headings.find((at) => at > start) ?? lines.length;
  return lines.slice(start, end).join('\n');
}

/**
 * The table rows of a section with a verdict: the second cell starts with "supported", "differs" or "not supported".
 * The names of a row are the leading identifiers of the backtick spans of its first cell (`Connection.connect({…})`
 * names `Connection`, `new Client(…)` names `Client`). Rows without a verdict (details of an export) are left out.
 */
function verdictRows(text: string): Array<{ names: string[]; verdict: Verdict }> {
  const rows: Array<{ names: string[]; verdict: Verdict }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
    const verdict = /^(supported|differs|not supported)\b/i.exec(cells[1] ?? '')?.[1]?.toLowerCase() as Verdict | undefined;
    if (!verdict) continue;
    const names = [...(cells[0] ?? '').matchAll(/`([^`]+)`/g)].map((span) => /^(?:new\s+)?([A-Za-z_$][\w$]*)/.exec(span[1]!)?.[1]).filter((name): name is string => !!name);
    rows.push({ names, verdict });
  }
  return rows;
}

/** Every verdict the package's section gives each of the package's names. */
function verdicts(pkg: Package): Map<string, Set<Verdict>> {
  const names = new Set(temporalExports.packages[pkg]);
  const found = new Map<string, Set<Verdict>>();
  for (const row of verdictRows(section(pkg))) {
    for (const name of row.names) {
      if (!names.has(name)) continue;
      if (!found.has(name)) found.set(name, new Set());
      found.get(name)!.add(row.verdict);
    }
  }
  return found;
}

/**
 * The names an index.ts exports as types: `type X` (or `type X as Y`) inside `export { … }`, every name of
 * `export type { … }`, and `export type X =` / `export interface X` declarations.
 */
function typeExports(source: string): Set<string> {
  const out = new Set<string>();
  const exported = (item: string) => item.trim().split(/\s+as\s+/).pop()!.trim();
  for (const [, typeBlock, items] of source.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const raw of items!.split(',')) {
      const item = raw.trim();
      if (!item) continue;
      if (typeBlock) out.add(exported(item));
      else if (/^type\s+/.test(item)) out.add(exported(item.replace(/^type\s+/, '')));
    }
  }
  for (const [, name] of source.matchAll(/export\s+(?:type|interface)\s+([A-Za-z_$][\w$]*)/g)) out.add(name!);
  return out;
}

describe('docs/temporal.md lists every export of Temporal\'s packages', () => {
  it('has the SDK\'s export lists', () => {
    expect(temporalExports.sdkVersion).toBe('1.22.0');
    expect(Object.fromEntries(packages.map((pkg) => [pkg, temporalExports.packages[pkg].length]))).toEqual({
      workflow: 150, activity: 18, client: 273, worker: 111, testing: 15,
    });
  });

  describe.each(packages)('@temporalio/%s', (pkg) => {
    const found = verdicts(pkg);
    const entry = entries[pkg];
    const types = typeExports(indexSource(pkg));

    it('gives every export a row with a verdict, and one verdict only', () => {
      expect(temporalExports.packages[pkg].filter((name) => !found.has(name))).toEqual([]);
      expect([...found].filter(([, given]) => given.size > 1).map(([name, given]) => `${name}: ${[...given].join(', ')}`)).toEqual([]);
    });

    it(`calls supported only what duro/temporal/${pkg} exports`, () => {
      const supported = [...found].filter(([, given]) => given.has('supported')).map(([name]) => name);
      expect(supported.filter((name) => !(name in entry) && !typeOnly[pkg].includes(name))).toEqual([]);
    });

    it(`calls not supported nothing duro/temporal/${pkg} exports`, () => {
      const unsupported = [...found].filter(([, given]) => given.has('not supported')).map(([name]) => name);
      expect(unsupported.filter((name) => name in entry || types.has(name))).toEqual([]);
    });

    it('lists as type-only exports only types its index.ts exports', () => {
      expect(typeOnly[pkg].filter((name) => name in entry)).toEqual([]);
      expect(typeOnly[pkg].filter((name) => !types.has(name) && !new RegExp(`\\btype\\s+${name}\\b`).test(indexSource(pkg)))).toEqual([]);
    });
  });
});
