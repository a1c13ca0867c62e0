// Four kinds of tests, one command (`npm test`), each project named for its folder under test/: `unit` runs src/core
// under plain Node, which is also the check that the core needs nothing of Cloudflare's; `integration` runs tests
// inside workerd against this repo's Worker; `integration-fixture` runs the Durable Object host inside workerd against
// a second, minimal Worker that uses Duro only through its public entry points (test/fixtures/integration-worker);
// `e2e` drives a real `wrangler dev` over HTTP and kills it mid-run (test/fixtures/e2e-worker).
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const alias = {
  'duro/workflow': fileURLToPath(new URL('./src/core/index.ts', import.meta.url)),
  'duro/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
  'duro/worker': fileURLToPath(new URL('./src/worker.ts', import.meta.url)),
  'duro/client': fileURLToPath(new URL('./client/index.ts', import.meta.url)),
  'duro/browser': fileURLToPath(new URL('./src/browser/index.ts', import.meta.url)),
  'duro/temporal/workflow': fileURLToPath(new URL('./src/temporal/workflow/index.ts', import.meta.url)),
  'duro/temporal/client': fileURLToPath(new URL('./src/temporal/client/index.ts', import.meta.url)),
  'duro/temporal/testing': fileURLToPath(new URL('./src/temporal/testing/index.ts', import.meta.url)),
  'duro/temporal/worker': fileURLToPath(new URL('./src/temporal/worker/index.ts', import.meta.url)),
  'duro/temporal/activity': fileURLToPath(new URL('./src/temporal/activity/index.ts', import.meta.url)),
  'duro/temporal/common': fileURLToPath(new URL('./src/temporal/common/index.ts', import.meta.url)),
  'duro/cloudflare': fileURLToPath(new URL('./src/cloudflare/index.ts', import.meta.url)),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          environment: 'node',
          // test/hosts: the host conformance suite on the in-memory and browser hosts (the Durable Object runs it in integration-fixture).
          include: ['test/unit/**/*.test.ts', 'test/hosts/**/*.test.ts'],
        },
      },
      {
        resolve: { alias },
        plugins: [
          cloudflareTest({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
          }),
        ],
        test: {
          name: 'integration',
          // wrangler.toml serves dist/public as static assets, and the pool refuses to start when that folder is missing;
          // it does not run wrangler's [build] command, so the same build runs here first (a fresh clone needs no step).
          globalSetup: ['./scripts/build-browser-example.mjs'],
          include: ['test/integration/**/*.test.ts'],
        },
      },
      {
        resolve: { alias },
        plugins: [
          cloudflareTest({
            main: './test/fixtures/integration-worker/worker.ts',
            wrangler: { configPath: './test/fixtures/integration-worker/wrangler.toml' },
          }),
        ],
        test: {
          name: 'integration-fixture',
          include: ['test/integration-fixture/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        // A real `wrangler dev` (test/fixtures/e2e-worker) and a Node activity server, killed and restarted
        // mid-run: one file at a time, with timeouts that cover wrangler starting twice.
        resolve: { alias },
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
