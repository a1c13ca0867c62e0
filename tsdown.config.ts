// The package build (`npm run build`): ESM JavaScript and bundled .d.ts for every entry of package.json `exports`,
// plus the `duro` CLI, into dist/. One build with shared chunks, so the CLI and the entries it loads (a user's
// workflows import `duro/workflow` while `duro replay` runs them) use one copy of the engine, not two.
// tsdown runs on Node 20.19 at 0.21 (newer releases need Node 22): see docs/decisions/010-package-build.md.
import { defineConfig } from 'tsdown';

/** Runtime imports the host provides; never bundled. */
const HOST_MODULES = [/^node:/, /^cloudflare:/];

export default defineConfig({
  entry: {
    workflow: 'src/core/index.ts',
    testing: 'src/testing/index.ts',
    worker: 'src/worker.ts',
    client: 'client/index.ts',
    browser: 'src/browser/index.ts',
    'temporal-workflow': 'src/temporal/workflow/index.ts',
    'temporal-client': 'src/temporal/client/index.ts',
    'temporal-testing': 'src/temporal/testing/index.ts',
    'temporal-worker': 'src/temporal/worker/index.ts',
    'temporal-activity': 'src/temporal/activity/index.ts',
    'temporal-common': 'src/temporal/common/index.ts',
    cloudflare: 'src/cloudflare/index.ts',
    cli: 'client/bin.ts',
  },
  outDir: 'dist',
  // dist/public holds this repo's example assets (wrangler.toml), built by scripts/build-browser-example.mjs.
  clean: ['dist/*.js', 'dist/*.d.ts', 'dist/*.map'],
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  fixedExtension: false,
  dts: { tsconfig: 'tsconfig.build.json' },
  sourcemap: false,
  treeshake: true,
  deps: { neverBundle: HOST_MODULES },
  hash: true,
  logLevel: 'warn',
  publint: false,
});
