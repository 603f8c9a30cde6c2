import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI reads the JSON report for its `N passed, N failed` line (see .ci/run).
    reporters: ['default', ['json', { outputFile: 'artifacts/vitest.json' }]],
  },
});
