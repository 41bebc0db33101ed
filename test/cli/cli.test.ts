// The CLI as a user runs it: the built bin/doubleq.js in a child process.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, failure, requireBuiltCli } from '../helpers/cli.js';
import { writeNpy } from '../helpers/npy-writer.js';
import { buildModel, REPO_ROOT, SHARED } from '../helpers/onnx-builder.js';

const RESNET = resolve(SHARED, 'models/resnet20-cifar10.onnx');
const RESNET_BN = resolve(SHARED, 'models/resnet20-cifar10-bn.onnx');
const TEST_BIN = resolve(SHARED, 'data/cifar10/test.bin');
const NORM = ['--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'];
let tmp = '';



beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-cli-'));
});

describe('doubleq inspect', () => {
  it('reports ResNet-20: 0.27 M parameters and its MACs, as JSON', async () => {
    const r = await cli('inspect', RESNET, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j.totals)).toEqual(expect.arrayContaining(['macs', 'params', 'kernelWeightBits', 'savingVsInt8Pct', 'wholeModelBytes', 'fileBytes', 'arenaBytes']));
    for (const l of j.layers) expect(l).toHaveProperty('format', 'float32');
    for (const l of j.layers) expect(Object.keys(l)).toEqual(expect.arrayContaining(['name', 'op', 'params', 'macs']));
    // Independent count from the architecture: 19 3x3 convs + linear 64->10, all with bias.
    const convs = [[3, 16, 32], ...Array(6).fill([16, 16, 32]), [16, 32, 16], ...Array(5).fill([32, 32, 16]), [32, 64, 8], ...Array(5).fill([64, 64, 8])];
    const weights = convs.reduce((s, [ci, co]) => s + ci * co * 9, 0);
    const macs = convs.reduce((s, [ci, co, hw]) => s + ci * co * 9 * hw * hw, 0) + 640;
    expect(weights + 640).toBe(268_336); // kernel weights, the figure in shared/docs/method.md
    expect(j.totals.params).toBe(weights + 640 + convs.reduce((s, [, co]) => s + co, 0) + 10);
    expect(j.totals.macs).toBe(macs);
    expect(j.totals.params / 1e6).toBeCloseTo(0.27, 2);
    expect(j.layers.filter((l: { op: string }) => l.op === 'Conv')).toHaveLength(19);
  });

  it('prints a table with totals, and folds BatchNorm on request', async () => {
    const r = await cli('inspect', RESNET_BN);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/BatchNormalization/);
    expect(r.out).toMatch(/total: 73 layers, [\d,]+ parameters \(0\.27 M\), 40,551,040 MACs per image/);
    const f = JSON.parse((await cli('inspect', RESNET_BN, '--fold-bn', '--json')).out);
    expect(f.layers.some((l: { op: string }) => l.op === 'BatchNormalization')).toBe(false);
    expect(f.totals.macs).toBe(40_551_040);
  });

  it('works on the embedded default model', async () => {
    const j = JSON.parse((await cli('inspect', join(REPO_ROOT, 'models', 'mnist-resnet.onnx'), '--json')).out);
    expect(j.layers.map((l: { op: string }) => l.op)).toEqual(expect.arrayContaining(['Conv', 'BatchNormalization', 'Add', 'MaxPool', 'GlobalAveragePool', 'Gemm']));
    expect(j.totals.params).toBeGreaterThan(5000);
  });
});

describe('doubleq eval', () => {
  it('scores CIFAR-10 images with ResNet-20 (JSON fields correct, total, top1)', async () => {
    const r = await cli('eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--limit', '300', '--batch', '64', ...NORM, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(''); // no progress bar with --json
    const j = JSON.parse(r.out);
    expect(j.total).toBe(300);
    expect(j.top1).toBeCloseTo((100 * j.correct) / 300, 10);
    expect(j.top1).toBeGreaterThan(85); // 91.73 % on the full set
  });

  // the demo (the main job) is tested in test/demo/demo.test.ts

  it('reads .npy images and labels', async () => {
    const raw = readFileSync(TEST_BIN).subarray(0, 3073 * 40);
    const imgs = new Uint8Array(40 * 3072), labels = new Uint8Array(40);
    for (let i = 0; i < 40; i++) {
      labels[i] = raw[i * 3073]!;
      imgs.set(raw.subarray(i * 3073 + 1, (i + 1) * 3073), i * 3072);
    }
    writeFileSync(join(tmp, 'x.npy'), writeNpy({ dtype: 'uint8', shape: [40, 3, 32, 32], data: imgs }));
    writeFileSync(join(tmp, 'x_labels.npy'), writeNpy({ dtype: 'uint8', shape: [40], data: labels }));
    const viaNpy = JSON.parse((await cli('eval', RESNET, '--data', join(tmp, 'x.npy'), '--format', 'npy', ...NORM, '--json')).out);
    const viaBin = JSON.parse((await cli('eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--limit', '40', ...NORM, '--json')).out);
    expect(viaNpy.total).toBe(40);
    expect(viaNpy.correct).toBe(viaBin.correct);
  });
});

describe('bad input: one clear line, non-zero exit', () => {
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('truncated and random-bytes models', async () => {
    const bytes = readFileSync(RESNET);
    expect(await failure('inspect', write('trunc.onnx', bytes.subarray(0, 5000)))).toMatch(/^doubleq: .*(not an ONNX model|raw_data)/);
    const junk = Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24);
    expect(await failure('eval', write('junk.onnx', junk), '--data', TEST_BIN, '--format', 'cifar10')).toMatch(/^doubleq: .*ONNX/);
  });

  it('an unsupported op names the op type and the node', async () => {
    const m = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Softsign', name: 'prob', inputs: ['x'], outputs: ['y'] }] });
    expect(await failure('inspect', write('softsign.onnx', m))).toBe("doubleq: unsupported op 'Softsign' in node 'prob'");
  });

  it('missing files and a model with a dangling input', async () => {
    expect(await failure('inspect', join(tmp, 'nope.onnx'))).toBe(`doubleq: no such model file: ${join(tmp, 'nope.onnx')}`);
    expect(await failure('eval', RESNET, '--data', join(tmp, 'nope.bin'), '--format', 'cifar10')).toBe(`doubleq: no such file: ${join(tmp, 'nope.bin')}`);
    const m = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Add', name: 'a', inputs: ['x', 'w'], outputs: ['y'] }] });
    expect(await failure('inspect', write('dangling.onnx', m))).toMatch(/input 'w' is not produced/);
    expect(await failure('eval', RESNET, '--format', 'cifar10')).toMatch(/required option '--data <file>'/);
  });

  it('a data file that is not a whole number of records, and a .npy with a wrong header', async () => {
    const cut = write('cut.bin', readFileSync(TEST_BIN).subarray(0, 3073 * 3 + 100));
    expect(await failure('eval', RESNET, '--data', cut, '--format', 'cifar10')).toMatch(/not a multiple of the 3073-byte CIFAR-10 record/);
    const npy = writeNpy({ dtype: 'uint8', shape: [2, 3, 32, 32], data: new Uint8Array(2 * 3072) });
    npy.set(new TextEncoder().encode("{'descr': '|u1', 'fortran_order': False, 'shapx'"), 10);
    expect(await failure('eval', RESNET, '--data', write('bad.npy', npy), '--format', 'npy', '--labels', write('l.npy', writeNpy({ dtype: 'uint8', shape: [2], data: new Uint8Array(2) })))).toMatch(/header/);
  });

  it('unknown flags, formats and nonsense values', async () => {
    expect(await failure('inspect', RESNET, '--frobnicate')).toMatch(/unknown option '--frobnicate'/);
    expect(await failure('frobnicate')).toMatch(/unknown command 'frobnicate'/);
    expect(await failure('eval', RESNET, '--data', TEST_BIN, '--format', 'png')).toBe("doubleq: --format must be one of cifar10, npy, mnist, got 'png'");
    expect(await failure('eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--batch', 'lots')).toBe("doubleq: --batch must be a whole number, got 'lots'");
    expect(await failure('eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--mean', '1,2')).toMatch(/--mean: expected 3/);
    expect(await failure('eval', RESNET, '--data', 'test', '--format', 'mnist')).toMatch(/expects input \[50,3,32,32\], the data has 1x28x28 images/);
  });

  it('--help on every command', async () => {
    for (const c of [[], ['inspect'], ['eval'], ['demo']]) {
      const r = await cli(...c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: doubleq/);
    }
  });
});
