// doubleq export-hw and inspect --hw as a user runs them: clear one-line errors for bad input,
// an output directory that appears whole or not at all, accumulator widths that hold.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportHwCommand, writeDirAtomic, type ExportHwFlags } from '../../src/cli/commands/export-hw.js';
import { writeQModel } from '../../src/format/qmodel.js';
import type { QGraph } from '../../src/ir/qgraph.js';
import { traceAccumulators, type AccExtremes } from '../../src/hw/acc-trace.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { requireBuiltCli } from '../helpers/cli.js';
import { SHARED } from '../helpers/onnx-builder.js';
import { cifarImages, quantizedResnet20 } from '../helpers/resnet.js';
import { doubleq } from './run-async.js';

const TEST_BIN = resolve(SHARED, 'data/cifar10/test.bin');
let tmp: string, dq: string, q: QGraph;

beforeAll(async () => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'dq-hwcli-'));
  const { q: q8 } = await quantizedResnet20(await loadEngine(), { calibImages: 50 });
  q = quantizePot(q8, new Set([...resolveLayers(q8, 'all')].slice(10)), { rule: 'log' });
  dq = join(tmp, 'm.dq');
  writeFileSync(dq, writeQModel(q));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** exit 1, nothing on stdout, one line on stderr, no stack; and no output directory or temp left. */
async function fails(out: string, ...args: string[]): Promise<string> {
  const before = readdirSync(tmp).length;
  const r = await doubleq(...args);
  expect(r.code, r.err).toBe(1);
  expect(r.out).toBe('');
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(r.err).not.toMatch(/internal error|\n\s+at /);
  expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  if (out) expect(readdirSync(tmp).length).toBe(before);
  return lines[0]!;
}

describe('doubleq export-hw: bad input', () => {
  it('rejects a file that is not a doubleq model and a damaged model: one line, exit 1, nothing written', async () => {
    const out = join(tmp, 'x');
    writeFileSync(join(tmp, 'text.dq'), 'hello, not a model');
    expect(await fails(out, 'export-hw', join(tmp, 'text.dq'), '--out', out)).toMatch(/not a doubleq \.dq model/);
    const flipped = Buffer.from(readFileSync(dq));
    flipped[flipped.length - 5]! ^= 0x40;
    writeFileSync(join(tmp, 'flip.dq'), flipped);
    expect(await fails(out, 'export-hw', join(tmp, 'flip.dq'), '--out', out)).toMatch(/checksum/);
  }, 600_000);

  it('names the problem for every other bad input (in process: the same errors main() prints as one line)', async () => {
    const out = join(tmp, 'y');
    const err = async (model: string, flags: Partial<ExportHwFlags>): Promise<string> => {
      try {
        await exportHwCommand(model, { out, ...flags });
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect(['UsageError', 'InputError', 'FormatError', 'DataError']).toContain((e as Error).name);
        expect((e as Error).message).not.toContain('\n');
        expect(existsSync(out)).toBe(false);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(await err(resolve(SHARED, 'models/resnet20-cifar10.onnx'), {})).toMatch(/not a doubleq \.dq model/);
    writeFileSync(join(tmp, 'cut.dq'), readFileSync(dq).subarray(0, 1000));
    expect(await err(join(tmp, 'cut.dq'), {})).toMatch(/invalid \.dq model/);
    expect(await err(join(tmp, 'missing.dq'), {})).toMatch(/no such model file/);
    expect(await err(dq, { format: 'vhdl' })).toMatch(/unknown --format 'vhdl'/);
    expect(await err(dq, { format: 'cifar10' })).toMatch(/data format: it goes with --golden/);
    expect(await err(dq, { golden: '2', data: TEST_BIN })).toMatch(/data format/);
    expect(await err(dq, { golden: '2', format: 'cifar10' })).toMatch(/--data/);
    expect(await err(dq, { golden: 'two', data: TEST_BIN, format: 'cifar10' })).toMatch(/--golden must be a whole number/);
    writeFileSync(join(tmp, 'short.bin'), readFileSync(TEST_BIN).subarray(0, 3073));
    expect(await err(dq, { golden: '2', data: join(tmp, 'short.bin'), format: 'cifar10' })).toMatch(/only 1 images/);
    expect(await err(dq, { out: join(tmp, 'no', 'such', 'dir') })).toMatch(/not a directory/);
  }, 600_000);

  it('never replaces an existing directory without --force, and replaces it whole with it', async () => {
    const out = join(tmp, 'keep');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'user data');
    expect(await fails('', 'export-hw', dq, '--out', out, '--format', 'mem')).toMatch(/already exists/);
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('user data');
    const r = await doubleq('export-hw', dq, '--out', out, '--format', 'mem', '--force', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ formats: ['mem'], layers: q.nodes.length });
    expect(existsSync(join(out, 'mine.txt'))).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(readdirSync(tmp).filter((f) => f.includes('.old-') || f.includes('.tmp-'))).toEqual([]);
  }, 600_000);

  it('an error while writing leaves neither the directory nor its temporary behind', () => {
    const out = join(tmp, 'half');
    const files = [{ path: 'a/ok.mem', text: 'ff\n' }, { path: 'b/../../escape.mem', text: '00\n' }];
    expect(() => writeDirAtomic(out, files, false)).toThrow(/cannot write/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('doubleq inspect --hw', () => {
  it('reports widths that hold for every partial sum of real images, tighter than generic', async () => {
    const r = await doubleq('inspect', dq, '--hw', '--json');
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    const weightLayers = q.nodes.filter((n) => n.op === 'conv' || n.op === 'gemm');
    expect(rep.layers.map((l: { name: string }) => l.name)).toEqual(weightLayers.map((n) => n.name));
    expect(rep.totals.tighterThanGeneric).toBeGreaterThan(rep.layers.length / 2);
    const ext = new Map<string, AccExtremes>();
    const img = await cifarImages('test.bin', 2);
    traceAccumulators(q, img.images, 2, ext);
    for (const l of rep.layers) {
      const e = ext.get(l.name)!;
      expect(e.lo, l.name).toBeGreaterThanOrEqual(l.accumulatorRange[0]);
      expect(e.hi, l.name).toBeLessThanOrEqual(l.accumulatorRange[1]);
      expect(l.accumulatorBits).toBeLessThanOrEqual(l.genericAccumulatorBits);
      expect(l.shiftersPerChannel + l.multipliersPerChannel).toBe(l.outChannels);
    }
    expect(rep.totals.weightRomBits).toBe(rep.layers.reduce((s: number, l: { weightRomBits: number }) => s + l.weightRomBits, 0));
    const text = await doubleq('inspect', dq, '--hw');
    expect(text.out).toMatch(/accumulators: at most \d+ bits \(generic bound: \d+\)/);
    expect(text.out).toMatch(/multipliers replaced by shifters: 10 of 20 layers/);
  }, 600_000);
});
