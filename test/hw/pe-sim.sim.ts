// The Verilog processing elements against golden vectors of ResNet-20, simulated with Icarus
// Verilog, and synthesised with yosys (run by `npm run test:hw` and .ci/run, not `npm test`:
// they need the Debian packages iverilog and yosys).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeQModel } from '../../src/format/qmodel.js';
import { quantizePot, resolveLayers } from '../../src/quant/quantize-pot.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { requireBuiltCli } from '../helpers/cli.js';
import { SHARED } from '../helpers/onnx-builder.js';
import { quantizedResnet20 } from '../helpers/resnet.js';
// @ts-expect-error plain JavaScript module
import { simulateLayer } from '../../hw/sim.mjs';
// @ts-expect-error plain JavaScript module
import { synthesize } from '../../hw/synth.mjs';
import { readManifest } from './hw-reader.js';
import { doubleq } from './run-async.js';

interface Layer { id: string; op: string; weights?: { format: string }; accumulator?: { bits: number } }
let tmp: string, dir: string, layers: Layer[];

beforeAll(async () => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'dq-pe-'));
  const engine = await loadEngine();
  const { q: q8 } = await quantizedResnet20(engine, { calibImages: 50 });
  // every weight layer power-of-two except the first, which stays int8 for the MAC PE
  const all = [...resolveLayers(q8, 'all')];
  const q = quantizePot(q8, new Set(all.slice(1)), { rule: 'log' });
  writeFileSync(join(tmp, 'm.dq'), writeQModel(q));
  dir = join(tmp, 'export');
  const r = await doubleq('export-hw', join(tmp, 'm.dq'), '--out', dir, '--format', 'mem,cifar10', '--golden', '1',
    '--data', resolve(SHARED, 'data/cifar10/test.bin'), '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225');
  expect(r.code, r.err).toBe(0);
  layers = readManifest(dir).layers;
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const firstConv = (format: string) => layers.find((l) => l.op === 'conv' && l.weights!.format === format)!;

describe('processing elements replay ResNet-20 golden vectors (Icarus Verilog)', () => {
  it('shift-add PE: a full power-of-two conv layer, bit for bit, in the reported accumulator width', async () => {
    const l = firstConv('pot');
    const r = await simulateLayer(dir, l.id);
    expect(r.pe).toBe('pe_potw');
    expect(r.accW).toBe(l.accumulator!.bits);
    expect({ outputs: r.outputs, mismatches: r.mismatches, overflows: r.overflows, pass: r.pass }).toEqual({ outputs: r.expectedOutputs, mismatches: 0, overflows: 0, pass: true });
  }, 1_800_000);

  it('int8 MAC PE: a full int8 conv layer, bit for bit', async () => {
    const l = firstConv('int8');
    const r = await simulateLayer(dir, l.id);
    expect(r.pe).toBe('pe_qc8w');
    expect({ outputs: r.outputs, mismatches: r.mismatches, overflows: r.overflows, pass: r.pass }).toEqual({ outputs: r.expectedOutputs, mismatches: 0, overflows: 0, pass: true });
  }, 1_800_000);

  it('the testbench catches a wrong golden byte and a too narrow accumulator', async () => {
    const l = firstConv('int8');
    const man = readManifest(dir);
    const out = join(dir, man.golden.layers.find((g: { id: string }) => g.id === l.id).tensors.find((t: { role: string }) => t.role === 'out').files.mem);
    const lines = readFileSync(out, 'utf8').split('\n');
    lines[1] = ((parseInt(lines[1]!, 16) + 1) & 0xff).toString(16).padStart(2, '0');
    const bad = join(tmp, 'bad-out.mem');
    writeFileSync(bad, lines.join('\n'));
    const wrong = await simulateLayer(dir, l.id, { yout: bad });
    expect(wrong.mismatches).toBe(1);
    expect(wrong.pass).toBe(false);
    const narrow = await simulateLayer(dir, l.id, { accW: l.accumulator!.bits - 4 });
    expect(narrow.overflows).toBeGreaterThan(0);
    expect(narrow.pass).toBe(false);
  }, 1_800_000);
});

describe('yosys: shift-add MAC against int8 MAC (generic target)', () => {
  it('the shift-add datapath has no multiplier and fewer gates', async () => {
    const accW = Math.max(...layers.filter((l) => l.weights?.format === 'pot').map((l) => l.accumulator!.bits));
    const [pot, int8] = [await synthesize('potw_mac', { accW }), await synthesize('qc8w_mac', { accW })];
    expect(pot.word.multipliers).toBe(0);
    expect(int8.word.multipliers).toBeGreaterThanOrEqual(1);
    expect(pot.word.flipFlopBits).toBe(accW);
    expect(pot.gate.logic).toBeLessThan(int8.gate.logic);
  }, 600_000);
});
