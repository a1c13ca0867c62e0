// docs/api.md is the REST contract users read: it must name every route the app serves and every problem type,
// and no doc or comment may send readers to files outside the repo (readers of the package have nothing else).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { problem, ProblemType } from '../../../src/protocol/problem-types';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_DOC = readFileSync(`${ROOT}docs/api.md`, 'utf8');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation of the served OpenAPI document, spelled as docs/api.md names routes: `GET /v1/workflows/{workflowId}`. */
async function servedRoutes(): Promise<string[]> {
  const res = await createApiApp().request('http://127.0.0.1/openapi.json');
  const document = (await res.json()) as { paths: Record<string, Partial<Record<(typeof METHODS)[number], unknown>>> };
  return Object.entries(document.paths).flatMap(([path, item]) => METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('docs/api.md', () => {
  it('names every route of /openapi.json as `METHOD /path`', async () => {
    const routes = await servedRoutes();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((route) => !API_DOC.includes(`\`${route}\``))).toEqual([]);
  });

  it('lists every stable problem type with the status it answers', () => {
    const missing = Object.values(ProblemType).filter((type) => !API_DOC.includes(`| \`${type}\` | ${problem(type, '').status} |`));
    expect(missing).toEqual([]);
  });
});

describe('references', () => {
  // Written so this file does not match itself: the steering files live outside the repo and ship with nothing.
  const OUTSIDE_REPO = new RegExp(['\\.\\./shared', '\\bshared/(?:API|DESIGN|STYLE)\\.md'].join('|'));

  it('no tracked doc or source file points at shared/ files outside the repo', () => {
    const files = execFileSync('git', ['ls-files', '--', '*.md', '*.ts', '*.mjs'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && !file.includes('node_modules/') && existsSync(`${ROOT}${file}`));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) =>
      readFileSync(`${ROOT}${file}`, 'utf8').split('\n').flatMap((line, index) => (OUTSIDE_REPO.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it('the docs index links docs/api.md', () => {
    expect(readFileSync(`${ROOT}docs/README.md`, 'utf8')).toContain('(api.md)');
  });
});
