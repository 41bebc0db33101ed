// Exit codes by class (usage 2, bad input 1, bug 70) and the messages a newcomer meets first.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.js';
import { cli, failureWithCode, requireBuiltCli } from '../helpers/cli.js';
import { buildModel, SHARED } from '../helpers/onnx-builder.js';
import { writeNpy } from '../helpers/npy-writer.js';

const RESNET = resolve(SHARED, 'models/resnet20-cifar10.onnx');
const CALIB = resolve(SHARED, 'data/cifar10/calib.bin');
const TEST_BIN = resolve(SHARED, 'data/cifar10/test.bin');
let tmp = '';

beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-exit-'));
});

describe('usage errors exit 2', () => {
  const q = ['quantize', RESNET, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '10', '--out', '/nonexistent/x.dq'];
  it.each([
    [[...q, '--pot', 'all', '--rounding', 'round'], "doubleq: --rounding must be one of log, linear, floor, got 'round'"],
    [[...q, '--budget', '20%', '--metric', 'foo'], "doubleq: --metric must be one of error, sensitivity, entropy, got 'foo'"],
    [['eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--engine', 'gpu'], /^doubleq: --engine must be one of wasm, wasm-simd, wasm-scalar, reference, got 'gpu'$/],
    [['eval', RESNET, '--data', TEST_BIN, '--format', 'foo'], "doubleq: --format must be one of cifar10, npy, mnist, got 'foo'"],
    [['eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--limit', 'abc'], "doubleq: --limit must be a whole number, got 'abc'"],
    [['eval', RESNET, '--data', TEST_BIN, '--format', 'cifar10', '--mean', '1,2'], /^doubleq: --mean: expected 3/],
    [[...q, '--budget', '36%', '--rounding', 'floor', '--calibration', 'magic'], /^doubleq: --calibration must be one of/],
    [['eval', RESNET, '--format', 'cifar10'], /^doubleq: required option '--data <file>' not specified/],
    [['inspect', RESNET, '--frobnicate'], /unknown option '--frobnicate'/],
  ] as [string[], string | RegExp][])('%j', async (args, msg) => {
    const r = await failureWithCode(...args);
    expect(r.code, r.line).toBe(EXIT.usage);
    if (typeof msg === 'string') expect(r.line).toBe(msg);
    else expect(r.line).toMatch(msg);
  });
});

describe('bad input files exit 1, named for what they were taken for', () => {
  it('a missing model, a text file named x.dq, a text file named x.onnx', async () => {
    const missing = await failureWithCode('inspect', join(tmp, 'nope.onnx'));
    expect(missing).toEqual({ code: EXIT.input, line: `doubleq: no such model file: ${join(tmp, 'nope.onnx')}` });
    writeFileSync(join(tmp, 'x.dq'), 'hello, this is text\n');
    const dq = await failureWithCode('inspect', join(tmp, 'x.dq'));
    expect(dq).toEqual({ code: EXIT.input, line: `doubleq: ${join(tmp, 'x.dq')} is not a .dq model: it does not start with the 'DBLQ' magic bytes of the doubleq format` });
    writeFileSync(join(tmp, 'x.onnx'), 'hello, this is text\n');
    const onnx = await failureWithCode('eval', join(tmp, 'x.onnx'), '--data', TEST_BIN, '--format', 'cifar10');
    expect(onnx.code).toBe(EXIT.input);
    expect(onnx.line).toMatch(new RegExp(`^doubleq: ${join(tmp, 'x.onnx').replace(/[.]/g, '\\.')}: read as an ONNX model \\(it is not a \\.dq file\\): not an ONNX model`));
  });

  it('--format npy on a file that is not .npy names that file, not a missing labels file', async () => {
    writeFileSync(join(tmp, 'images.bin'), new Uint8Array(3073 * 2));
    const r = await failureWithCode('eval', RESNET, '--data', join(tmp, 'images.bin'), '--format', 'npy');
    expect(r).toEqual({ code: EXIT.input, line: `doubleq: ${join(tmp, 'images.bin')}: not a .npy file (missing the \\x93NUMPY magic)` });
    writeFileSync(join(tmp, 'ok.npy'), writeNpy({ dtype: 'uint8', shape: [2, 3, 32, 32], data: new Uint8Array(2 * 3072) }));
    expect((await failureWithCode('eval', RESNET, '--data', join(tmp, 'ok.npy'), '--format', 'npy')).line).toMatch(/no labels file for .*ok\.npy/);
  });

  it('a QDQ model is told that doubleq quantizes float models itself; every unsupported op in one message', async () => {
    const qdq = buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'QuantizeLinear', name: 'q', inputs: ['x', 's', 'z'], outputs: ['xq'] },
        { op: 'DequantizeLinear', name: 'dq', inputs: ['xq', 's', 'z'], outputs: ['xd'] },
        { op: 'Softsign', name: 'sm1', inputs: ['xd'], outputs: ['a'] },
        { op: 'Softsign', name: 'sm2', inputs: ['a'], outputs: ['y'] },
      ],
      initializers: [{ name: 's', dims: [], data: [0.1] }, { name: 'z', dims: [], data: [0] }],
    });
    writeFileSync(join(tmp, 'qdq.onnx'), qdq);
    const r = await failureWithCode('inspect', join(tmp, 'qdq.onnx'));
    expect(r.code).toBe(EXIT.input);
    expect(r.line).toBe("doubleq: unsupported ops 'QuantizeLinear' in node 'q'; 'DequantizeLinear' in node 'dq'; 'Softsign' in nodes 'sm1', 'sm2'; " +
      'this model is already quantized (QuantizeLinear, DequantizeLinear): doubleq takes float models and quantizes them itself (doubleq quantize)');
  });
});

describe('a bug exits 70 and says so', () => {
  it('an unexpected exception inside a command', async () => {
    const program = new Command('doubleq').exitOverride();
    program.command('boom').action(() => {
      throw new TypeError('x is undefined');
    });
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (writes.push(s), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['boom'], program);
    } finally {
      process.stderr.write = orig;
    }
    expect(code).toBe(EXIT.internal);
    expect(writes.join('')).toBe('doubleq: internal error (a bug in doubleq; please report it): x is undefined\n');
  });
});

describe('words and numbers a newcomer reads', () => {
  it('inspect on a float model prints no negative saving; JSON keeps the one sign convention', async () => {
    const r = await cli('inspect', RESNET);
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toMatch(/-\d[\d.]* % saved/);
    expect(r.out).toMatch(/as int8 2,146,688 bits \(268,336 bytes\), 75\.00 % saved vs float32/);
    const j = JSON.parse((await cli('inspect', RESNET, '--json')).out);
    expect(j.kind).toBe('float32');
    expect(j.totals.savingVsInt8Pct).toBe(-300); // positive = smaller than 8-bit; float32 is 4x larger
    expect(j.totals.kernelWeightBytes).toBe(4 * 268_336);
  });

  it('a PoT .dq: inspect says int8+pot as eval does; quantize and inspect agree on kernel-weight bytes (per-layer rounding)', async () => {
    // 5 and 25 kernel weights at 5 bits: 25 and 125 bits -> 4 + 16 = 20 bytes rounded per layer (ceil of the 150-bit total would be 19)
    const m2 = buildModel({
      inputs: [{ name: 'input', dims: ['N', 1, 4, 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Conv', name: 'c1', inputs: ['input', 'W1'], outputs: ['h'], attrs: { kernel_shape: [1, 1] } },
        { op: 'GlobalAveragePool', name: 'g', inputs: ['h'], outputs: ['hg'] },
        { op: 'Flatten', name: 'f', inputs: ['hg'], outputs: ['hf'] },
        { op: 'Gemm', name: 'fc', inputs: ['hf', 'W2'], outputs: ['y'], attrs: { transB: 1 } },
      ],
      initializers: [{ name: 'W1', dims: [5, 1, 1, 1], data: [0.5, -0.25, 0.125, 0.75, -1] }, { name: 'W2', dims: [5, 5], data: Array.from({ length: 25 }, (_, i) => ((i * 7) % 11) / 10 - 0.5) }],
    });
    writeFileSync(join(tmp, 'tiny.onnx'), m2);
    const imgs = Uint8Array.from({ length: 20 * 16 }, (_, i) => (i * 37) % 256);
    writeFileSync(join(tmp, 'tiny.npy'), writeNpy({ dtype: 'uint8', shape: [20, 1, 4, 4], data: imgs }));
    writeFileSync(join(tmp, 'tiny_labels.npy'), writeNpy({ dtype: 'uint8', shape: [20], data: new Uint8Array(20) }));
    const out = join(tmp, 'tiny.dq');
    const q = await cli('quantize', join(tmp, 'tiny.onnx'), '--calib', join(tmp, 'tiny.npy'), '--format', 'npy', '--pot', 'all', '--out', out, '--json');
    expect(q.code, q.err).toBe(0);
    const qj = JSON.parse(q.out);
    expect(qj.weightBytes).toBe(20);
    const i = JSON.parse((await cli('inspect', out, '--json')).out);
    expect(i.kind).toBe('int8+pot');
    expect(i.totals.kernelWeightBits.actual).toBe(150);
    expect(i.totals.kernelWeightBytes).toBe(qj.weightBytes);
    expect((await cli('inspect', out)).out).toMatch(new RegExp(`this model 150 bits \\(${qj.weightBytes} bytes\\): 37\\.50 % saved vs 8-bit`));
    const e = JSON.parse((await cli('eval', out, '--data', join(tmp, 'tiny.npy'), '--format', 'npy', '--json')).out);
    expect(e.modelKind).toBe(i.kind);
  });

  it('help marks required options', async () => {
    const r = await cli('quantize', '--help');
    expect(r.code).toBe(0);
    for (const o of ['--out <file>', '--calib <file>', '--format <format>']) expect(r.out).toMatch(new RegExp(`${o}[^\\n]*(\\n {10,}[^\\n-][^\\n]*)*\\(required\\)`));
    expect(r.out).not.toMatch(/--pot <layers>[^\n]*\(required\)/);
  });
});
