import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure code, beside the sources), `integration` (real etcd and other real
// peers started by test/harness), `e2e` (root, network namespaces). `npm test` runs all three.
export default defineConfig({
  test: {
    globalSetup: ['./test/harness/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'cni/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Namespaces and links are global kernel state: one file at a time keeps them apart.
          fileParallelism: false,
        },
      },
    ],
  },
});
