// src/core must run anywhere JavaScript runs (Workers, Node, a browser tab),
// so it may import nothing of Cloudflare's, Node's or the API layer's
// (DESIGN.md §2, STYLE.md "Layout is the architecture").
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const coreDir = fileURLToPath(new URL('../../src/core', import.meta.url));

const forbiddenPrefixes = ['cloudflare:', 'node:', '@cloudflare/'];
const forbiddenNames = new Set([...builtinModules, 'hono']);

// Static `import … from` / `export … from`, side-effect `import '…'`,
// dynamic `import('…')` and `require('…')`.
const specifierPatterns = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"`])([^'"`]+)\1/g,
  /\bimport\s*(['"`])([^'"`]+)\1/g,
  /\bimport\s*\(\s*(['"`])([^'"`]+)\1/g,
  /\brequire\s*\(\s*(['"`])([^'"`]+)\1/g,
];

function isForbidden(specifier: string): boolean {
  if (forbiddenPrefixes.some((prefix) => specifier.startsWith(prefix))) return true;
  // `fs/promises` is builtin as a whole; `hono/http-exception` is hono.
  return forbiddenNames.has(specifier.split('/')[0] ?? specifier);
}

/** Returns the forbidden module specifiers that `source` imports. */
function findForbiddenImports(source: string): string[] {
  const found: string[] = [];
  for (const pattern of specifierPatterns) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[2];
      if (specifier !== undefined && isForbidden(specifier)) found.push(specifier);
    }
  }
  return [...new Set(found)];
}

function listTypeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.[cm]?tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('src/core purity', () => {
  it('imports nothing of Cloudflare, Node or hono', () => {
    const files = listTypeScriptFiles(coreDir);
    expect(files.length).toBeGreaterThan(0);
    const violations = files.flatMap((file) =>
      findForbiddenImports(readFileSync(file, 'utf8')).map(
        (specifier) => `${relative(coreDir, file)}: ${specifier}`,
      ),
    );
    expect(violations).toEqual([]);
  });

  it('the checker catches every forbidden import form', () => {
    const fixture = [
      "import { DurableObject } from 'cloudflare:workers';",
      "import type { Env } from '@cloudflare/workers-types';",
      'import { readFile } from "node:fs/promises";',
      "import { EventEmitter } from 'events';",
      "import * as path from 'path';",
      "export { Hono } from 'hono';",
      "import { HTTPException } from 'hono/http-exception';",
      "import 'fs/promises';",
      'const crypto = await import("crypto");',
      "const os = require('os');",
    ].join('\n');
    expect(findForbiddenImports(fixture).sort()).toEqual(
      [
        '@cloudflare/workers-types',
        'cloudflare:workers',
        'crypto',
        'events',
        'fs/promises',
        'hono',
        'hono/http-exception',
        'node:fs/promises',
        'os',
        'path',
      ].sort(),
    );
  });

  it('the checker lets pure relative and package imports through', () => {
    const fixture = [
      "import { replayHistory } from './replay';",
      "export * from './failure';",
      "import type { HistoryEvent } from '../core/history';",
      "const lazy = () => import('./duration');",
      "// a comment mentioning node:fs is not an import",
    ].join('\n');
    expect(findForbiddenImports(fixture)).toEqual([]);
  });
});
