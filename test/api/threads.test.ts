// The library's `threads` option: the same logits for 1, 2 and 3 threads, checked options,
// dispose(), and a process that runs a model on 2 threads and never disposes it still exits.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dq from '../../src/index.js';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { cli, failureWithCode, requireBuiltCli } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/spawn.js';

const file = (name: string) => new Uint8Array(readFileSync(join(REPO_ROOT, 'models', name)));
let q: dq.QuantizedNet;
let x: Float32Array;

beforeAll(async () => {
  const model = dq.loadModel(file('mnist-resnet.onnx')) as dq.FloatNet;
  const digits = dq.parseDigits(file('mnist-digits.bin'));
  q = await dq.quantize(await dq.calibrate(model, digits.train.batches(100), { limit: 100 }), { pot: ['/conv3/Conv'] });
  x = digits.test.images.subarray(0, 7 * 784);
}, 60_000);

describe('threads option', () => {
  it('1, 2 and 3 threads give the same logits, bit for bit', async () => {
    const want = await dq.run(q, x, { threads: 1 });
    expect(await dq.usesThreads(q, { threads: 1 })).toBe(1);
    for (const threads of [2, 3]) {
      expect(await dq.run(q, x, { threads })).toEqual(want);
      expect(await dq.run(q, x.subarray(0, 784), { threads })).toEqual(want.subarray(0, 10));
      expect(await dq.usesThreads(q, { threads })).toBe(threads);
    }
    await dq.dispose(q);
    expect(await dq.run(q, x, { threads: 2 })).toEqual(want); // a new executor after dispose
    await dq.dispose(q);
  }, 60_000);

  it('rejects a bad thread count, naming it', async () => {
    for (const threads of [0, 1.5, 65, Number.NaN]) await expect(dq.run(q, x, { threads })).rejects.toThrow(/threads must be an integer in \[1, 64\]/);
  });

  it('a process that runs on 2 threads and never disposes still exits', async () => {
    requireBuiltCli();
    const dir = mkdtempSync(join(tmpdir(), 'dq-threads-'));
    writeFileSync(join(dir, 'm.dq'), dq.saveModel(q));
    const script = join(dir, 'run.mjs');
    writeFileSync(script, `import { readFileSync } from 'node:fs';
import * as dq from ${JSON.stringify(join(REPO_ROOT, 'dist/src/index.js'))};
const m = dq.loadModel(new Uint8Array(readFileSync(${JSON.stringify(join(dir, 'm.dq'))})));
const logits = await dq.run(m, new Float32Array(3 * 784), { threads: 2 });
console.log('threads', await dq.usesThreads(m, { threads: 2 }), 'logits', logits.length);
`);
    const r = await spawnAsync(process.execPath, [script], { timeoutMs: 60_000 });
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('threads 2 logits 30');
    expect(r.code).toBe(0);
  }, 90_000);

  it('doubleq eval --threads: the same correct count for 1 and 2 threads; a bad count is a usage error', async () => {
    requireBuiltCli();
    const dir = mkdtempSync(join(tmpdir(), 'dq-threads-cli-'));
    writeFileSync(join(dir, 'm.dq'), dq.saveModel(q));
    const run = async (t: string) => {
      const r = await cli('eval', join(dir, 'm.dq'), '--data', 'test', '--format', 'mnist', '--limit', '300', '--threads', t, '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { correct: number; total: number; threads: number };
    };
    const [one, two] = [await run('1'), await run('2')];
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.total).toBe(300);
    expect(two.correct).toBe(one.correct);
    expect(await failureWithCode('eval', join(dir, 'm.dq'), '--data', 'test', '--format', 'mnist', '--threads', '0')).toEqual({ code: 2, line: 'doubleq: --threads must be at least 1, got 0' });
  }, 120_000);
});
