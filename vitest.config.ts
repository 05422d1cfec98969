import { defineConfig } from 'vitest/config';

// Tests run from TypeScript sources: every workspace package exports `src/` under the
// `@dstream/source` condition, so `npm test` needs no prior build.
const conditions = ['@dstream/source', 'import', 'module', 'node', 'default'];

const shared = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@dstream/source'] } },
};

export default defineConfig({
  ...shared,
  test: {
    reporters: ['default', './vitest.summary-reporter.ts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['{packages,tools,apps,bench}/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/test/integration/**'],
          testTimeout: 20_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['{packages,tools,apps,bench}/*/test/integration/**/*.test.ts'],
          globalSetup: ['tools/test-servers/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: true,
        },
      },
    ],
  },
});
