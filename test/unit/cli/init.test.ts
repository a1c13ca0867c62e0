// `duro init`: the files it writes (under their real names), the versions it pins, and what it refuses.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initProject, workerNameOf } from '../../../client/cli-init';

const own = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; devDependencies: Record<string, string> };

describe('duro init', () => {
  it('writes a runnable project, naming files the package had to ship renamed', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'duro-init-')), 'My App');
    const result = await initProject(dir);
    expect(result.name).toBe('my-app');
    expect(result.files).toEqual([
      '.gitignore', 'README.md', 'package.json', 'src/activities.ts', 'src/index.ts', 'src/workflows.ts', 'test/order.test.ts', 'tsconfig.json', 'wrangler.toml',
    ]);
    expect(readFileSync(join(dir, 'wrangler.toml'), 'utf8')).toMatch(/^name = "my-app"$/m);
    // 'self' activities reach the exported DuroActivities entrypoint: no binding naming the Worker itself (decision 027).
    expect(readFileSync(join(dir, 'wrangler.toml'), 'utf8')).not.toMatch(/\[\[services\]\]/);
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toMatch(/^export const \{ DuroActivities \} = duro\.entrypoints;$/m);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.dependencies).toEqual({ duro: `^${own.version}` });
    for (const tool of ['wrangler', 'vitest', 'typescript', '@cloudflare/workers-types', '@types/node']) expect(pkg.devDependencies[tool]).toBe(own.devDependencies[tool]);
  });

  it('refuses a folder that is not empty, and changes nothing in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duro-init-full-'));
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    await expect(initProject(dir)).rejects.toThrow(/is not empty/);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    await expect(initProject(join(dir, 'keep.txt'))).rejects.toThrow(/is a file/);
  });

  it('makes a Worker name of any folder name', () => {
    expect(workerNameOf('/tmp/Billing Service!')).toBe('billing-service');
    expect(workerNameOf('/tmp/---')).toBe('duro-app');
  });
});
