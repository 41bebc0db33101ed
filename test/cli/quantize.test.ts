// doubleq quantize / eval / inspect on 8-bit models, as a user runs them.

import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, failure, requireBuiltCli } from '../helpers/cli.js';
import { writeNpy } from '../helpers/npy-writer.js';
import { buildModel, REPO_ROOT, SHARED } from '../helpers/onnx-builder.js';

const RESNET = resolve(SHARED, 'models/resnet20-cifar10.onnx');
const CALIB = resolve(SHARED, 'data/cifar10/calib.bin');
const TEST_BIN = resolve(SHARED, 'data/cifar10/test.bin');
const NORM = ['--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'];
let tmp = '';



beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-q-'));
});

describe('doubleq quantize', () => {
  it('writes a .dq that eval and inspect read; the arena holds three 16x32x32 activations', async () => {
    const out = join(tmp, 'r20.dq');
    const r = await cli('quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '200', ...NORM, '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ out, calibration: 'minmax', perTensor: false, calibImages: 200, layers: 20, weightBytes: 268_336 });
    expect(j.fileBytes).toBe(statSync(out).size);

    const e = JSON.parse((await cli('eval', out, '--data', TEST_BIN, '--format', 'cifar10', '--limit', '300', ...NORM, '--json')).out);
    expect(e.modelKind).toBe('int8');
    expect(e.total).toBe(300);
    expect(e.top1).toBeGreaterThan(85);

    const i = JSON.parse((await cli('inspect', out, '--json')).out);
    expect(i.kind).toBe('int8');
    expect(i.totals.macs).toBe(40_551_040);
    const act = 16 * 32 * 32; // the largest activation, bytes at batch 1
    expect(i.totals.arenaBytes).toBeLessThanOrEqual(3 * (act + 16)); // two live + the shortcut, each padded
    expect(i.totals.arenaBytes).toBeGreaterThanOrEqual(3 * act);
  });

  it('every calibration method and per-tensor weights produce a working model', async () => {
    for (const extra of [['--calibration', 'percentile', '--percentile', '99.9'], ['--calibration', 'entropy'], ['--per-tensor']]) {
      const out = join(tmp, `m${extra.join('')}.dq`);
      const r = await cli('quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '50', ...NORM, '--out', out, '--json', ...extra);
      expect(r.code, r.err).toBe(0);
      const e = JSON.parse((await cli('eval', out, '--data', TEST_BIN, '--format', 'cifar10', '--limit', '100', ...NORM, '--json')).out);
      expect(e.top1).toBeGreaterThan(80);
    }
  });

  it('calibrates on fewer images than the batch, and on the embedded MNIST model', async () => {
    const raw = readFileSync(CALIB).subarray(0, 3073 * 3);
    const imgs = new Uint8Array(3 * 3072);
    for (let k = 0; k < 3; k++) imgs.set(raw.subarray(k * 3073 + 1, (k + 1) * 3073), k * 3072);
    writeFileSync(join(tmp, 'three.npy'), writeNpy({ dtype: 'uint8', shape: [3, 3, 32, 32], data: imgs }));
    writeFileSync(join(tmp, 'three_labels.npy'), writeNpy({ dtype: 'uint8', shape: [3], data: new Uint8Array(3) }));
    const r = await cli('quantize', RESNET, '--calib', join(tmp, 'three.npy'), '--format', 'npy', ...NORM, '--out', join(tmp, 'three.dq'), '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).calibImages).toBe(3);
    const mn = await cli('quantize', join(REPO_ROOT, 'models', 'mnist-resnet.onnx'), '--calib', 'train', '--format', 'mnist', '--calib-limit', '500', '--out', join(tmp, 'mnist.dq'), '--json');
    expect(mn.code, mn.err).toBe(0);
    const e = JSON.parse((await cli('eval', join(tmp, 'mnist.dq'), '--data', 'test', '--format', 'mnist', '--json')).out);
    expect(e.total).toBe(2000);
    expect(e.top1).toBeGreaterThan(95);
  });
});

describe('doubleq quantize: bad input', () => {
  const args = (calib: string, ...more: string[]) => ['quantize', RESNET, '--calib', calib, '--format', 'cifar10', ...NORM, '--out', join(tmp, 'x.dq'), ...more];

  it('a calibration file with no images, --calib-limit 0, a nonsense method', async () => {
    writeFileSync(join(tmp, 'empty.bin'), new Uint8Array());
    expect(await failure(...args(join(tmp, 'empty.bin')))).toMatch(/empty file/);
    expect(await failure(...args(CALIB, '--calib-limit', '0'))).toBe('doubleq: --calib-limit must be at least 1, got 0');
    expect(await failure(...args(CALIB, '--calibration', 'magic'))).toBe("doubleq: --calibration must be one of minmax, percentile, entropy, got 'magic'");
    expect(await failure(...args(CALIB, '--percentile', '99'))).toBe('doubleq: --percentile goes with --calibration percentile');
  });

  it('NaN weights and an op with no integer kernel are named', async () => {
    const nan = buildModel({
      inputs: [{ name: 'input', dims: ['N', 3, 32, 32] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Conv', name: 'bad_conv', inputs: ['input', 'W'], outputs: ['y'] }],
      initializers: [{ name: 'W', dims: [1, 3, 1, 1], data: [0.1, Number.NaN, 0.2] }],
    });
    writeFileSync(join(tmp, 'nan.onnx'), nan);
    expect(await failure('quantize', join(tmp, 'nan.onnx'), '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '10', '--out', join(tmp, 'n.dq'))).toBe("doubleq: node 'bad_conv' (Conv): constant 'W' element 1 is NaN (NaN or Inf weights cannot be quantized)");
    const avg = buildModel({
      inputs: [{ name: 'input', dims: ['N', 3, 32, 32] }],
      outputs: [{ name: 'y' }],
      // a Transpose inside the network (not a layout change at an edge) has no integer path
      nodes: [{ op: 'Transpose', name: 'avg', inputs: ['input'], outputs: ['t'], attrs: { perm: [0, 1, 3, 2] } }, { op: 'Relu', name: 'r', inputs: ['t'], outputs: ['y'] }],
    });
    const why = "node 'avg' (Transpose): a Transpose (perm [0,1,3,2]) has no integer kernel: only NHWC -> NCHW of the graph input (perm [0,3,1,2]) and NCHW -> NHWC of a graph output (perm [0,2,3,1]) are layout changes the integer path absorbs";
    writeFileSync(join(tmp, 'avg.onnx'), avg);
    expect(await failure('quantize', join(tmp, 'avg.onnx'), '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '10', '--out', join(tmp, 'a.dq'))).toBe(`doubleq: ${why}`);
    const i = JSON.parse((await cli('inspect', join(tmp, 'avg.onnx'), '--json')).out);
    expect(i.totals.arenaBytes).toBeNull();
    expect(i.integerUnsupported).toBe(why);
  });

  it('a damaged .dq gets a one-line error', async () => {
    const out = join(tmp, 'ok.dq');
    expect((await cli('quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '20', ...NORM, '--out', out)).code).toBe(0);
    const b = readFileSync(out);
    writeFileSync(join(tmp, 'cut.dq'), b.subarray(0, b.length - 10));
    expect(await failure('eval', join(tmp, 'cut.dq'), '--data', TEST_BIN, '--format', 'cifar10')).toMatch(/invalid \.dq model: the header declares/);
    expect(await failure('quantize', out, '--calib', CALIB, '--format', 'cifar10', '--out', join(tmp, 'again.dq'))).toMatch(/already a quantized \.dq model/);
  });
});

describe('doubleq quantize --pot (level two)', () => {
  it('all-layer DoubleQ: 37.50 % below 8-bit, inspect shows both conventions, whole model = file size', async () => {
    const out = join(tmp, 'pot.dq');
    const r = await cli('quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '100', ...NORM, '--out', out, '--pot', 'all', '--rounding', 'log', '--bias-correction', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.potLayers).toHaveLength(20);
    expect(j.savingVsInt8Pct).toBe(37.5);
    expect(j).toMatchObject({ out, rounding: 'log', biasCorrection: true, refitScale: false });
    const i = JSON.parse((await cli('inspect', out, '--json')).out);
    expect(i.totals.kernelWeightBits).toEqual({ float32: 32 * 268_336, int8: 8 * 268_336, actual: 5 * 268_336 });
    expect(i.totals.savingVsInt8Pct).toBe(37.5);
    expect(i.totals.wholeModelBytes).toBe(statSync(out).size);
    expect(i.totals.fileBytes).toBe(statSync(out).size);
    expect(i.layers.filter((l: { format: string }) => l.format === 'pot')).toHaveLength(20);
    expect(i.layers.find((l: { name: string }) => l.name === '/linear/Gemm').weightBits).toBe(640 * 5);
    const text = (await cli('inspect', out)).out;
    expect(text).toMatch(/kernel weights only: .* 37\.50 % saved vs 8-bit/);
    expect(text).toMatch(/whole model: [\d,]+ bytes = /);
    const e = JSON.parse((await cli('eval', out, '--data', TEST_BIN, '--format', 'cifar10', '--limit', '200', ...NORM, '--json')).out);
    expect(e.modelKind).toBe('int8+pot');
    expect(e.top1).toBeGreaterThan(75);
  });

  it('floor rule gives 4-bit codes (50 %); a layer list picks layers', async () => {
    const f = JSON.parse((await cli('quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '20', ...NORM, '--out', join(tmp, 'f.dq'), '--pot', 'all', '--rounding', 'floor', '--json')).out);
    expect(f.savingVsInt8Pct).toBe(50);
    const l = JSON.parse((await cli('quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '20', ...NORM, '--out', join(tmp, 'l.dq'),
      '--pot', '/layer3/layer3.2/conv1/Conv,/layer3/layer3.2/conv2/Conv', '--json')).out);
    expect(l.potLayers).toEqual(['/layer3/layer3.2/conv1/Conv', '/layer3/layer3.2/conv2/Conv']);
    expect(l.savingVsInt8Pct).toBeCloseTo((100 * 3 * 2 * 36_864) / (8 * 268_336), 10);
    expect(f.method).toBe('gptq');
  }, 600_000);

  it('bad level-two flags', async () => {
    const a = ['quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '10', '--out', join(tmp, 'b.dq')];
    expect(await failure(...a, '--pot', 'conv99')).toMatch(/^doubleq: --pot: no layer named 'conv99' \(layers: /);
    expect(await failure(...a, '--pot', 'all', '--rounding', 'ceil')).toBe("doubleq: --rounding must be one of log, linear, floor, got 'ceil'");
    expect(await failure(...a, '--rounding', 'log')).toBe('doubleq: --method, --rounding, --refit-scale and --bias-correction go with --pot, --budget or --max-drop');
  });
});
