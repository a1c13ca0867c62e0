// Two kinds of tests, one command (`npm test`): `unit` runs src/core under
// plain Node, which is also the check that the core needs nothing of
// Cloudflare's; `workers` runs integration tests inside workerd.
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const alias = {
  'duro/workflow': fileURLToPath(new URL('./src/core/index.ts', import.meta.url)),
  'duro/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
  'duro/worker': fileURLToPath(new URL('./src/worker.ts', import.meta.url)),
  'duro/client': fileURLToPath(new URL('./client/index.ts', import.meta.url)),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
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
          name: 'workers',
          include: ['test/integration/**/*.test.ts'],
        },
      },
    ],
  },
});
