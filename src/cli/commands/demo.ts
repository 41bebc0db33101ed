// The main job on the embedded default model: the bundled MNIST CNN calibrated on 500 shipped
// training digits, then float, 8-bit, DoubleQExt (layers chosen under a memory budget) and
// DoubleQ (every layer power of two, for contrast), each evaluated on the 2,000-image test
// split, with the memory table and a plain summary. Runs on the library API (src/api/) and the
// digits file shipped in models/, so it works from the installed package.

import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { evaluate, type Accuracy } from '../../api/run.js';
import { calibrate, quantize, type Quantized } from '../../api/quantize.js';
import { inspect, type MemoryTable } from '../../api/inspect.js';
import { loadModel, saveModel, type FloatNet, type Model } from '../../api/model.js';
import { parseDigits } from '../../api/digits.js';
import { writeFileAtomic } from '../atomic-write.js';
import { DEFAULT_MODEL_PATH, readFileBytes, UsageError, weightsFlag, WEIGHTS_HELP } from '../io.js';
import { kernelWeightBytes } from '../units.js';
import { progress, type Progress } from '../progress.js';
import { THREADS_HELP, threadsFlag } from '../threads-flag.js';

export const DEMO_BUDGET = '23.05%'; // the paper's DoubleQExt saving (See et al. 2021)
export const DIGITS_PATH = join(dirname(DEFAULT_MODEL_PATH), 'mnist-digits.bin');

export interface DemoRow {
  model: 'float32' | 'int8' | 'doubleqext' | 'doubleq';
  description: string;
  top1: number;
  correct: number;
  total: number;
  potLayers: string[];
  kernelWeightBytes: number;
  /** kernel weights, percent saved against 8-bit (positive = saved); null for float32 */
  savingVsInt8Pct: number | null;
  fileBytes: number;
  /** wasm memory of the integer executor (packed layers, scratch, arena); null for float32 */
  residentBytes: number | null;
  seconds: number;
}

function bars(show: boolean) {
  const all = new Map<string, Progress>();
  return {
    update(stage: string, done: number, total: number) {
      let b = all.get(stage);
      if (!b) all.set(stage, (b = progress(stage.padEnd(16), show)));
      b.update(done, total);
    },
    stop() {
      for (const b of all.values()) b.stop();
    },
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function demoSummary(rows: DemoRow[]): string {
  const [fl, i8, ext, all] = rows as [DemoRow, DemoRow, DemoRow, DemoRow];
  const d = (r: DemoRow) => (i8.top1 - r.top1).toFixed(2);
  return [
    `8-bit: kernel weights ${fmt(i8.kernelWeightBytes)} B, a quarter of float32's ${fmt(fl.kernelWeightBytes)} B; top-1 ${i8.top1.toFixed(2)} % against ${fl.top1.toFixed(2)} % in float.`,
    `DoubleQExt (budget ${DEMO_BUDGET}): ${ext.potLayers.length} of ${all.potLayers.length} weight layers power of two (${ext.potLayers.join(', ') || 'none'}): ` +
      `${ext.savingVsInt8Pct!.toFixed(2)} % less kernel-weight memory than 8-bit, top-1 ${ext.top1.toFixed(2)} % (${d(ext)} points below 8-bit).`,
    `DoubleQ (every layer power of two) saves ${all.savingVsInt8Pct!.toFixed(2)} % but scores ${all.top1.toFixed(2)} % (${d(all)} points below 8-bit): choosing the layers is what keeps the accuracy.`,
  ].join('\n');
}

function table(rows: DemoRow[]): string {
  const t = [
    ['model', 'top-1', 'correct', 'PoT layers', 'kernel weights', 'saved vs 8-bit', 'file bytes', 'resident bytes'],
    ...rows.map((r) => [r.model, `${r.top1.toFixed(2)} %`, `${r.correct}/${r.total}`, r.model === 'float32' ? '' : String(r.potLayers.length), `${fmt(r.kernelWeightBytes)} B`,
      r.savingVsInt8Pct === null ? '' : `${r.savingVsInt8Pct.toFixed(2)} %`, fmt(r.fileBytes), r.residentBytes === null ? '' : fmt(r.residentBytes)]),
  ];
  const w = t[0]!.map((_, i) => Math.max(...t.map((row) => row[i]!.length)));
  return t.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

function layerTable(mems: [string, MemoryTable][]): string {
  const names = mems[1]![1].layers.map((l) => l.name);
  const head = ['layer', 'weights', ...mems.map(([n]) => `${n} bits`)];
  const rows = names.map((name) => [name, fmt(mems[1]![1].layers.find((l) => l.name === name)!.weights),
    ...mems.map(([, m]) => { const l = m.layers.find((x) => x.name === name)!; return `${fmt(l.kernelBits)}${l.format === 'pot' ? ' pot' : ''}`; })]);
  const t = [head, ...rows];
  const w = head.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  return t.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')).join('\n');
}

export async function runDemo(o: { budget?: string; outDir?: string; threads?: number; weights?: 'compact' | 'fast'; show: boolean }) {
  const t0 = performance.now();
  const b = bars(o.show);
  try {
    const model = loadModel(readFileBytes(DEFAULT_MODEL_PATH, 'embedded model')) as FloatNet;
    const digits = parseDigits(readFileBytes(DIGITS_PATH, 'digits file'));
    const budget = o.budget ?? DEMO_BUDGET;
    const onProgress = (p: { stage: string; done: number; total: number }) => b.update(p.stage, p.done, p.total);
    const evalRow = async (name: DemoRow['model'], description: string, m: Model, q?: Quantized): Promise<[DemoRow, MemoryTable]> => {
      const t = performance.now();
      const acc: Accuracy = await evaluate(m, digits.test.batches(100), { threads: o.threads, weights: o.weights, onProgress: (p) => b.update(`evaluate ${name}`, p.done, digits.test.count) });
      const mem = await inspect(m, { weights: o.weights });
      return [{ model: name, description, top1: acc.top1, correct: acc.correct, total: acc.total, potLayers: q ? [...q.potLayers] : [],
        kernelWeightBytes: kernelWeightBytes(mem.layers.map((l) => ({ weightBits: l.kernelBits }))), savingVsInt8Pct: q ? q.savingVsInt8Pct : null, fileBytes: mem.totals.fileBytes,
        residentBytes: mem.totals.residentBytes, seconds: (performance.now() - t) / 1000 }, mem];
    };
    const out: [DemoRow, MemoryTable][] = [await evalRow('float32', 'the embedded float model', model)];
    const tc = performance.now();
    const cal = await calibrate(model, digits.train.batches(100), { limit: digits.train.count, onProgress });
    const calibSeconds = (performance.now() - tc) / 1000;
    const q8 = await quantize(cal);
    const ext = await quantize(cal, { budget, onProgress });
    const all = await quantize(cal, { pot: 'all' });
    out.push(await evalRow('int8', '8-bit weights and activations (level one)', q8, q8));
    out.push(await evalRow('doubleqext', `DoubleQExt: power-of-two layers chosen for a ${budget} budget (sensitivity, knapsack)`, ext, ext));
    out.push(await evalRow('doubleq', 'DoubleQ: every layer power of two', all, all));
    if (o.outDir) {
      for (const [name, q] of [['int8', q8], ['doubleqext', ext], ['doubleq', all]] as const) {
        writeFileAtomic(join(o.outDir, `${name}.dq`), saveModel(q));
      }
    }
    const rows = out.map(([r]) => r);
    return { rows, mems: out, budget, calibImages: cal.images, calibSeconds, seconds: (performance.now() - t0) / 1000 };
  } finally {
    b.stop();
  }
}

/** CPU time of this process so far (user + system): the demo is single-threaded, so on an idle machine it is its wall time. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the embedded default: the bundled MNIST CNN calibrated, quantized to 8-bit, to DoubleQExt under a memory budget and to all power-of-two, each evaluated on its 2,000-image test split, with the memory table')
    .option('--budget <target>', `DoubleQExt memory budget: percent saved vs 8-bit or kernel-weight bytes (default ${DEMO_BUDGET})`)
    .option('--out-dir <dir>', 'also write the three quantized models there (int8.dq, doubleqext.dq, doubleq.dq)')
    .option('--threads <n>', THREADS_HELP)
    .option('--weights <form>', WEIGHTS_HELP, 'compact')
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { budget?: string; outDir?: string; threads?: string; weights?: string; json?: boolean }) => {
      const threads = o.threads === undefined ? undefined : (await threadsFlag(o.threads)).threads;
      const weights = weightsFlag(o.weights);
      const r = await runDemo({ budget: o.budget, outDir: o.outDir, threads, weights, show: !o.json });
      const summary = demoSummary(r.rows);
      if (o.json) {
        process.stdout.write(JSON.stringify({ model: DEFAULT_MODEL_PATH, data: DIGITS_PATH, budget: r.budget, weights, calibImages: r.calibImages, testImages: r.rows[0]!.total,
          rows: r.rows, layers: Object.fromEntries(r.mems.map(([row, m]) => [row.model, m.layers])), summary, seconds: r.seconds, cpuSeconds: cpuSeconds() }) + '\n');
        return;
      }
      process.stdout.write(`doubleq demo: ${DEFAULT_MODEL_PATH}\n` +
        `Calibration: ${r.calibImages} MNIST training digits (min-max; PoT: log rule, scale re-fit, bias correction), ${r.calibSeconds.toFixed(1)} s. ` +
        `Evaluation: the ${r.rows[0]!.total}-image test split on the integer wasm engine.\n\n` +
        `${table(r.rows)}\n\nKernel-weight bits per layer ('pot' = power-of-two codes):\n${layerTable(r.mems.map(([row, m]) => [row.model, m]))}\n\n` +
        `${summary}\n` +
        `Resident bytes: what the integer executor keeps in wasm memory (packed layers, scratch, activations), --weights ${weights}: ` +
        (weights === 'compact' ? 'power-of-two layers stay at their code width, so they save resident memory too.\n' : 'power-of-two layers as shift-add tap lists, larger than int8.\n') +
        `Done in ${r.seconds.toFixed(1)} s.\n`);
    });
}
