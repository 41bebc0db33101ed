import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests that read the shared ResNet-20 / CIFAR-10 (../shared beside the checkout) are skipped,
// with one line saying so, when it is missing; DOUBLEQ_REQUIRE_SHARED=1 (.ci/run) makes that an
// error instead. A test file needs ../shared when it, or a test helper it imports, names SHARED.
const root = dirname(fileURLToPath(import.meta.url));
const haveShared = existsSync(join(root, '..', 'shared', 'models')) && existsSync(join(root, '..', 'shared', 'data'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.ts$/.test(f) ? [p] : [];
  });
}

function needingShared(): string[] {
  const all = files(join(root, 'test'));
  const text = new Map(all.map((f) => [f, readFileSync(f, 'utf8')]));
  const uses = (t: string) => /\bSHARED\b|\.\.\/shared\/|['"`]shared['"`]/.test(t);
  // helpers that use ../shared themselves (onnx-builder only defines SHARED)
  const helpers = all.filter((f) => /test\/helpers\//.test(f) && !/onnx-builder\.ts$/.test(f) && uses(text.get(f)!)).map((f) => f.replace(/.*test\/helpers\//, '').replace(/\.ts$/, ''));
  return all.filter((f) => f.endsWith('.test.ts')).filter((f) => {
    const t = text.get(f)!;
    return uses(t) || helpers.some((h) => t.includes(`helpers/${h}.js`));
  }).map((f) => relative(root, f));
}

let exclude: string[] = [];
if (!haveShared) {
  if (process.env.DOUBLEQ_REQUIRE_SHARED === '1') throw new Error('DOUBLEQ_REQUIRE_SHARED=1 but ../shared (models, CIFAR-10) is missing beside the checkout');
  exclude = needingShared();
  process.stderr.write(`doubleq: ../shared is missing beside the checkout: skipping ${exclude.length} test files that need the shared ResNet-20 / CIFAR-10 ` +
    `(put the shared folder with models/ and data/ at ../shared for the full suite)\n`);
}

// The browser test needs Chromium: `npm run test:browser` runs it alone (DOUBLEQ_BROWSER=1).
const browser = process.env.DOUBLEQ_BROWSER === '1';

export default defineConfig({
  test: {
    include: browser ? ['test/browser/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(browser ? [] : ['test/browser/**']), ...exclude],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
