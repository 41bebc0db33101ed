// Bit-exactness of threaded inference on the whole CIFAR-10 test set: ResNet-20 int8, all-PoT as
// codes and as shift-add, SIMD and scalar, batch 50 (the CLI's default) over every image (scalar:
// the first --scalar-limit, the scalar build is about 10x slower) and batch 1 over the first --batch1 images: the int8 outputs of 2 (and 3) threads hash to the same sha256
// as the one-thread QExecutor's, and the CLI's `eval --threads 1` and `--threads 2` report the
// same correct count. Exits 1 on any difference. Writes bench/results/threads-check.md.
//
//   npm run build && node dist/bench/threads-check.js [--shared ../shared] [--limit 10000] [--scalar-limit 1000] [--batch1 1000] [--threads 2,3]

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cifar10FromBytes } from '../src/data/cifar10.js';
import { argmaxRow } from '../src/eval/evaluate.js';
import { writeQModel } from '../src/format/qmodel.js';
import type { QGraph } from '../src/ir/qgraph.js';
import { calibrate } from '../src/quant/calibrate.js';
import { quantizeInt8 } from '../src/quant/quantize-int8.js';
import { quantizePot, resolveLayers } from '../src/quant/quantize-pot.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { ParallelQExecutor } from '../src/runtime/parallel-executor.js';
import { QExecutor } from '../src/runtime/q-executor.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';
import { machineStamp } from './machine.js';

const sharedArg = flag('--shared', '../shared');
const shared = resolve(sharedArg);
const LIMIT = Number(flag('--limit', '10000'));
const BATCH1 = Number(flag('--batch1', '1000'));
const SCALAR_LIMIT = Number(flag('--scalar-limit', '1000'));
const THREADS = flag('--threads', '2,3').split(',').map(Number);
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const PER = 3 * 32 * 32;

const model = FloatModel.fromBytes(new Uint8Array(readFileSync(resolve(shared, 'models/resnet20-cifar10.onnx'))));
const ranges = await calibrate(model, cifar10FromBytes(readFileSync(resolve(shared, 'data/cifar10/calib.bin')).subarray(0, 3073 * 1000), norm), { method: 'minmax', engine: await loadEngine() });
const q8 = quantizeInt8(model.graphFor(1), ranges);
const qPot = quantizePot(q8, resolveLayers(q8, 'all'), { rule: 'log' });
const testBin = resolve(shared, 'data/cifar10/test.bin');
let images!: Float32Array, labels!: Uint8Array;
for await (const b of cifar10FromBytes(readFileSync(testBin).subarray(0, 3073 * LIMIT), norm).batches(LIMIT)) ({ images, labels } = b);
const count = labels.length;

interface Runner { runQuantized(x: Float32Array, n: number): Int8Array[] }
/** sha256 of every int8 output and the correct count, in calls of `batch` over the first `total` images. */
function digest(ex: Runner, batch: number, total: number): { sha256: string; correct: number } {
  const h = createHash('sha256');
  let correct = 0;
  for (let i = 0; i < total; i += batch) {
    const n = Math.min(batch, total - i);
    const y = ex.runQuantized(images.subarray(i * PER, (i + n) * PER), n)[0]!;
    h.update(y);
    for (let r = 0; r < n; r++) if (argmaxRow(y, r, 10) === labels[i + r]) correct++;
  }
  return { sha256: h.digest('hex'), correct };
}

const rows: { model: string; build: string; batch: number; images: number; threads: number; sha256: string; correct: number; same: boolean }[] = [];
const cases: [string, QGraph, 'compact' | 'fast'][] = [['int8', q8, 'compact'], ['all-PoT codes', qPot, 'compact'], ['all-PoT shift-add', qPot, 'fast']];
for (const simd of [true, false]) {
  const engine = await loadEngine({ simd });
  for (const [name, g, weights] of cases) {
    for (const [batch, total] of [[50, simd ? count : Math.min(SCALAR_LIMIT, count)], [1, Math.min(BATCH1, count)]] as const) {
      const want = digest(new QExecutor(g, engine, batch, { weights }), batch, total);
      rows.push({ model: name, build: simd ? 'SIMD' : 'scalar', batch, images: total, threads: 1, ...want, same: true });
      for (const threads of THREADS) {
        const ex = await ParallelQExecutor.create(g, batch, { threads, simd, weights });
        const got = digest(ex, batch, total);
        await ex.dispose();
        rows.push({ model: name, build: simd ? 'SIMD' : 'scalar', batch, images: total, threads, ...got, same: got.sha256 === want.sha256 && got.correct === want.correct });
        process.stdout.write(`${name} ${simd ? 'SIMD' : 'scalar'} batch ${batch} ${threads} threads: ${got.sha256 === want.sha256 ? 'same bytes' : 'DIFFERENT'}\n`);
      }
    }
  }
}

// the CLI: eval --threads 1 and 2 on the saved int8 model, the same correct count
const dir = mkdtempSync(join(tmpdir(), 'dq-threads-check-'));
writeFileSync(join(dir, 'r20.dq'), writeQModel(q8));
function cli(threads: number): Promise<{ correct: number; total: number; threads: number }> {
  const args = ['bin/doubleq.js', 'eval', join(dir, 'r20.dq'), '--data', testBin, '--format', 'cifar10', '--mean', norm.mean.join(','), '--std', norm.std.join(','), '--limit', String(count), '--threads', String(threads), '--json'];
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`doubleq eval --threads ${threads} exited with ${code}`))));
  });
}
const [c1, c2] = [await cli(1), await cli(2)];
const cliSame = c1.correct === c2.correct && c1.total === c2.total;

const allSame = rows.every((r) => r.same) && cliSame;
const m = machineStamp();
const md = [
  '# Threads: the same output bytes for every thread count, whole CIFAR-10 test set',
  '',
  `Command: \`npm run build && node dist/bench/threads-check.js${sharedArg !== '../shared' ? ` --shared ${sharedArg}` : ''}${LIMIT !== 10000 ? ` --limit ${LIMIT}` : ''}${SCALAR_LIMIT !== 1000 ? ` --scalar-limit ${SCALAR_LIMIT}` : ''}${BATCH1 !== 1000 ? ` --batch1 ${BATCH1}` : ''}\`; ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}.`,
  '',
  'ResNet-20 quantized in the run (minmax, first 1,000 calib.bin images; all-PoT: every layer, `log` rule). sha256 over every int8 output of the run, in order.',
  '',
  '| model | build | batch | images | threads | correct | sha256 | same as 1 thread |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.model} | ${r.build} | ${r.batch} | ${r.images} | ${r.threads} | ${r.correct} | \`${r.sha256.slice(0, 16)}\` | ${r.same ? 'yes' : '**no**'} |`),
  '',
  `CLI \`doubleq eval --threads 1\`: ${c1.correct}/${c1.total} correct; \`--threads 2\` (${c2.threads} threads): ${c2.correct}/${c2.total}: ${cliSame ? 'the same' : '**different**'}.`,
  '',
  allSame ? 'Every thread count gives the same bytes.' : '**MISMATCH**',
  '',
].join('\n');
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/threads-check.md', md);
console.log(md);
process.exit(allSame ? 0 : 1);
