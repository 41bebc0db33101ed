// The library API (src/api/, exported by src/index.ts) on the embedded default model.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dq from '../../src/index.js';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { spawnAsync } from '../helpers/spawn.js';

const ONNX = readFileSync(join(REPO_ROOT, 'models/mnist-resnet.onnx'));
const digits = dq.parseDigits(readFileSync(join(REPO_ROOT, 'models/mnist-digits.bin')));
let model: dq.FloatNet;
let cal: dq.Calibration;

beforeAll(async () => {
  model = dq.loadModel(ONNX) as dq.FloatNet;
  cal = await dq.calibrate(model, digits.train.batches(100), { limit: 300 });
});

async function* unlabelled(n: number) {
  for (const b of digits.train.batches(50)) {
    if (n <= 0) return;
    n -= 50;
    yield { images: b.images };
  }
}

describe('library API', () => {
  it('exports the API and not the internal helpers', () => {
    for (const f of ['loadModel', 'saveModel', 'calibrate', 'quantize', 'inspect', 'run', 'evaluate', 'frontier', 'parseDigits']) expect(typeof (dq as Record<string, unknown>)[f]).toBe('function');
    for (const f of ['mixLayers', 'greedyOrder', 'checkBatchArgs', 'quantizeInt8', 'QExecutor']) expect(f in dq).toBe(false);
  });

  it('loads .onnx and .dq bytes; bad bytes give a clear error', () => {
    expect(model.kind).toBe('float');
    expect(model.inputShape).toEqual([1, 28, 28]);
    expect(model.classes).toBe(10);
    expect(() => dq.loadModel(new Uint8Array(0))).toThrow(/empty/);
    expect(() => dq.loadModel(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(dq.ModelError);
    expect(() => dq.loadModel('model.onnx' as unknown as Uint8Array)).toThrow(/Uint8Array or ArrayBuffer/);
  });

  it('save -> load gives the same bytes out, and SIMD and scalar builds agree', async () => {
    const q = await dq.quantize(cal, { budget: 23.05 });
    const again = dq.loadModel(dq.saveModel(q));
    expect(again.kind).toBe('quantized');
    expect((again as dq.QuantizedNet).potLayers).toEqual(q.potLayers);
    const x = digits.test.images.subarray(0, 37 * 784);
    const a = await dq.run(q, x), b = await dq.run(again, x, { simd: false }), c = await dq.run(again, x, { simd: true });
    expect(await dq.usesSimd(again, { simd: false })).toBe(false);
    expect(Buffer.from(b.buffer)).toEqual(Buffer.from(a.buffer));
    expect(Buffer.from(c.buffer)).toEqual(Buffer.from(a.buffer));
    expect(a.length).toBe(370);
  });

  it('calibrates from an async iterable without labels', async () => {
    const c = await dq.calibrate(model, unlabelled(200));
    expect(c.images).toBe(200);
    const q = await dq.quantize(c, { budget: '20%' });
    expect(q.savingVsInt8Pct).toBeGreaterThanOrEqual(20);
    expect((await dq.evaluate(q, digits.test.batches(), { limit: 500 })).total).toBe(500);
  });

  it('names the problem in bad input', async () => {
    await expect(dq.calibrate(model, [{ images: new Float32Array(700) }])).rejects.toThrow(/not a whole number of images of 784 values/);
    await expect(dq.calibrate(model, 5 as unknown as dq.ImageSource)).rejects.toThrow(/iterable/);
    await expect(dq.evaluate(model, [{ images: new Float32Array(784) }])).rejects.toThrow(/no labels/);
    await expect(dq.quantize(cal, { pot: ['nope'] })).rejects.toThrow(/no layer named 'nope'/);
    await expect(dq.quantize(cal, { budget: 50 })).rejects.toThrow(/impossible/);
    await expect(dq.quantize(cal, { budget: 10, maxDrop: 1 })).rejects.toThrow(/one target/);
    expect(() => dq.saveModel(model as unknown as dq.QuantizedNet)).toThrow(/only a quantized model/);
  });

  it('reports progress and stops on abort', async () => {
    const stages = new Set<string>();
    const ac = new AbortController();
    await expect(dq.calibrate(model, digits.train.batches(50), {
      onProgress: (p) => {
        stages.add(p.stage);
        if (p.stage === 'calibrate' && p.done >= 100) ac.abort();
      }, signal: ac.signal,
    })).rejects.toThrow(/abort/i);
    expect(stages).toContain('read');
    expect(stages).toContain('calibrate');
    expect(stages).not.toContain('bias correction');
  });

  it('the memory table equals `doubleq inspect --json` on the saved file', async () => {
    const q = await dq.quantize(cal, { budget: 23.05 });
    const mem = await dq.inspect(q);
    const dir = mkdtempSync(join(tmpdir(), 'dq-api-'));
    writeFileSync(join(dir, 'q.dq'), dq.saveModel(q));
    const r = await spawnAsync(process.execPath, [join(REPO_ROOT, 'bin/doubleq.js'), 'inspect', join(dir, 'q.dq'), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(mem.totals.kernelBits).toEqual(j.totals.kernelWeightBits);
    expect(mem.totals.fileBytes).toBe(j.totals.fileBytes);
    expect(mem.totals.arenaBytes).toBe(j.totals.arenaBytes);
    expect(mem.totals.savingVsInt8Pct).toBeCloseTo(j.totals.savingVsInt8Pct, 10);
    const weighted = j.layers.filter((l: { weightBits: number }) => l.weightBits > 0);
    expect(mem.layers.map((l) => [l.name, l.format, l.kernelBits])).toEqual(weighted.map((l: { name: string; format: string; weightBits: number }) => [l.name, l.format, l.weightBits]));
    // per-layer file bytes plus header and graph make up the file
    expect(mem.layers.reduce((s, l) => s + l.fileBytes, 0)).toBe(j.wholeModel.kernelWeights + j.wholeModel.biases + j.wholeModel.scales + j.wholeModel.requant);
    expect(mem.totals.residentBytes).toBeGreaterThan(mem.totals.arenaBytes!);
  });
});
