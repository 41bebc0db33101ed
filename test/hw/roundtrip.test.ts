// Proof that the files of `doubleq export-hw` are right: an independent reader (hw-reader.ts)
// reads them back, the TS integer reference runs the network from them, and the bytes equal the
// wasm engine's on the original .dq; the golden vectors equal every layer's tensors.
//
// The committed 100-image check on the DoubleQExt ResNet-20 is this file with
//   HW_RT_MODEL=<model.dq> HW_RT_IMAGES=100 HW_RT_OUT=bench/results/hw-roundtrip npx vitest run test/hw/roundtrip.test.ts
// (npm run bench:hw-roundtrip), which writes <HW_RT_OUT>.{json,md}.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/dataset.js';
import { readQModel, writeQModel } from '../../src/format/qmodel.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import type { Engine } from '../../src/engine/engine.js';
import { QExecutor } from '../../src/runtime/q-executor.js';
import { runQReference } from '../../src/runtime/reference/q-reference-executor.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { requireBuiltCli } from '../helpers/cli.js';
import { SHARED } from '../helpers/onnx-builder.js';
import { cifarImages, quantizedResnet20 } from '../helpers/resnet.js';
import { checkHashes, graphFromExport, readCArrays, readManifest, readWords, toSigned } from './hw-reader.js';
import { doubleq } from './run-async.js';

const NORM = ['--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'];
const TEST_BIN = resolve(SHARED, 'data/cifar10/test.bin');
const env = process.env;
const N = Number(env.HW_RT_IMAGES ?? 2);
let engine: Engine, images: Batch, tmp: string;

beforeAll(async () => {
  requireBuiltCli();
  engine = await loadEngine();
  images = await cifarImages('test.bin', N);
  tmp = mkdtempSync(join(tmpdir(), 'dq-hw-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function exportModel(q: QGraph, name: string, extra: string[] = []): Promise<string> {
  const dq = join(tmp, `${name}.dq`), out = join(tmp, name);
  writeFileSync(dq, writeQModel(q));
  const r = await doubleq('export-hw', dq, '--out', out, ...extra);
  expect(r.code, r.err).toBe(0);
  return out;
}

/** Engine bytes on the model == reference bytes on the graph read back from the files. */
function roundTrip(q: QGraph, dir: string, format: 'mem' | 'coe' | 'mif'): { equal: boolean; bytes: number } {
  const back = graphFromExport(dir, format);
  const ref = runQReference(back, images.images, N).quantized[0]!;
  const eng = new QExecutor(q, engine, N).runQuantized(images.images, N)[0]!;
  return { equal: ref.length === eng.length && ref.every((v, i) => v === eng[i]), bytes: ref.length };
}

/** Every format of every memory holds the same words (the C header as signed / unsigned values). */
function formatsAgree(dir: string): number {
  const man = readManifest(dir);
  let memories = 0;
  for (const l of man.layers.filter((x: { op: string }) => x.op === 'conv' || x.op === 'gemm')) {
    const c = readCArrays(join(dir, l.header));
    for (const kind of ['weights', 'bias', 'mult', 'shift']) {
      const e = l[kind];
      const mem = readWords(join(dir, e.files.mem));
      expect(readWords(join(dir, e.files.coe)), `${l.id} ${kind} coe`).toEqual(mem);
      expect(readWords(join(dir, e.files.mif)), `${l.id} ${kind} mif`).toEqual(mem);
      const signed = kind === 'bias' || (kind === 'weights' && e.format === 'int8');
      expect(c.get(`${l.id}_${kind}`), `${l.id} ${kind} C`).toEqual(signed ? mem.map((w) => toSigned(w, e.wordBits)) : mem);
      memories++;
    }
  }
  return memories;
}

describe.skipIf(!!env.HW_RT_MODEL)('export-hw round trip (small models, every format)', () => {
  let q8: QGraph;
  beforeAll(async () => ({ q: q8 } = await quantizedResnet20(engine, { calibImages: 50 })));

  for (const rule of ['log', 'floor'] as const) {
    it(`mixed ResNet-20 (${rule}: every other layer power-of-two): files read back give the engine's bytes`, async () => {
      const half = new Set([...resolveLayers(q8, 'all')].filter((_, i) => i % 2 === 1));
      const q = readQModel(writeQModel(quantizePot(q8, half, { rule })));
      const dir = await exportModel(q, `mixed-${rule}`);
      const man = readManifest(dir);
      expect(man.layers.map((l: { op: string }) => l.op)).toEqual(q.nodes.map((n) => n.op));
      expect(man.layers.filter((l: { weights?: { format: string; wordBits: number } }) => l.weights?.format === 'pot').every((l: { weights: { wordBits: number } }) => l.weights.wordBits === (rule === 'floor' ? 4 : 5))).toBe(true);
      expect(checkHashes(dir, man)).toBe(man.files.length);
      expect(formatsAgree(dir)).toBe(4 * resolveLayers(q8, 'all').size);
      for (const f of ['mem', 'coe', 'mif'] as const) expect(roundTrip(q, dir, f).equal, f).toBe(true);
    });
  }

  it('golden vectors equal every layer\'s input and output tensors of the reference run from the files', async () => {
    const q = readQModel(writeQModel(quantizePot(q8, new Set([...resolveLayers(q8, 'all')].slice(3, 9)), { rule: 'log' })));
    const G = 2;
    const dir = await exportModel(q, 'golden', ['--golden', String(G), '--data', TEST_BIN, '--format', 'mem,c,cifar10', ...NORM]);
    const man = readManifest(dir);
    expect(man.formats).toEqual(['mem', 'c']);
    checkHashes(dir, man);
    const back = graphFromExport(dir, 'mem');
    const seen: Int8Array[] = [];
    runQReference(back, images.images.subarray(0, G * 3072), G, (_n, y) => seen.push(y));
    expect(man.golden.layers).toHaveLength(q.nodes.length);
    man.golden.layers.forEach((gl: { tensors: { role: string; files: { mem: string; c: string } }[]; id: string }, i: number) => {
      const out = gl.tensors.find((t) => t.role === 'out')!;
      const words = readWords(join(dir, out.files.mem)).map((w) => toSigned(w, 8));
      expect(words, gl.id).toEqual([...seen[i]!]);
      expect(readCArrays(join(dir, out.files.c)).get(`${gl.id}_golden_out`), `${gl.id} C`).toEqual(words);
      // a layer's input is the output of the layer that wrote it (or the quantized image)
      const src = q.nodes.findIndex((n) => n.outputs[0] === q.nodes[i]!.inputs[0]);
      if (src >= 0) expect(readWords(join(dir, gl.tensors[0]!.files.mem)).map((w) => toSigned(w, 8)), `${gl.id} in0`).toEqual([...seen[src]!]);
    });
  });
});

describe.runIf(!!env.HW_RT_MODEL)(`export-hw round trip of ${env.HW_RT_MODEL} on ${N} test images`, () => {
  it('reads back bit-exactly from every format', async () => {
    const bytes = new Uint8Array(readFileSync(env.HW_RT_MODEL!));
    const q = readQModel(bytes);
    const t0 = performance.now();
    const dir = await exportModel(q, 'model');
    const man = readManifest(dir);
    const hashed = checkHashes(dir, man), memories = formatsAgree(dir);
    const results = (['mem', 'coe', 'mif'] as const).map((f) => ({ format: f, ...roundTrip(q, dir, f) }));
    const seconds = (performance.now() - t0) / 1000;
    const pot = man.layers.filter((l: { weights?: { format: string } }) => l.weights?.format === 'pot').length;
    if (env.HW_RT_OUT) {
      const command = `HW_RT_MODEL=${env.HW_RT_MODEL} HW_RT_IMAGES=${N} HW_RT_OUT=${env.HW_RT_OUT} npx vitest run test/hw/roundtrip.test.ts`;
      const summary = { command, date: new Date().toISOString(), model: env.HW_RT_MODEL, images: N, layers: man.layers.length, potLayers: pot, files: hashed, memoriesCompared: memories, results, seconds };
      writeFileSync(`${env.HW_RT_OUT}.json`, JSON.stringify(summary, null, 2) + '\n');
      writeFileSync(`${env.HW_RT_OUT}.md`, ['# export-hw round trip', '', `Command: \`${command}\` (${summary.date}, ${seconds.toFixed(0)} s).`, '',
        `Model ${env.HW_RT_MODEL}: ${man.layers.length} layers, ${pot} power-of-two. ${hashed} files, sha256 as in manifest.json; ${memories} memories identical in .mem, .coe, .mif and the C headers.`, '',
        '| weights read from | images | int8 output bytes | equal to the wasm engine on the .dq |', '|---|---|---|---|',
        ...results.map((r) => `| .${r.format} | ${N} | ${r.bytes} | ${r.equal ? 'yes, bit for bit' : 'NO'} |`), ''].join('\n'));
    }
    for (const r of results) expect(r.equal, r.format).toBe(true);
  }, 1_800_000);
});
