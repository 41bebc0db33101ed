// `npm run test:hw`: the export-hw round trip and CLI tests plus the Verilog simulations and
// synthesis (test/hw/*.sim.ts need iverilog and yosys, so `npm test` leaves them out).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/hw/**/*.test.ts', 'test/hw/**/*.sim.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
