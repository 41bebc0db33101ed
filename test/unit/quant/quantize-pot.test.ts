import { describe, expect, it } from 'vitest';
import { packCodes, unpackCodes } from '../../../src/format/qmodel.js';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { memoryReport } from '../../../src/plan/memory-report.js';
import { codeBits, decodePot, encodePot, potExponent, quantizePot, resolveLayers } from '../../../src/quant/quantize-pot.js';
import { layerFloatWeights } from '../../../src/quant/quantize-int8.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { quantizedResnet20 } from '../../helpers/resnet.js';
import { mulberry32 } from '../../helpers/rng.js';

describe('power-of-two rounding rules', () => {
  const exps = (rule: 'log' | 'linear' | 'floor', qs: number[]) => qs.map((q) => potExponent(q, rule));

  it('log: thresholds at 2^(k+1/2), e.g. 3 -> 4, 23 -> 32, 91 -> 128', () => {
    expect(exps('log', [1, 2, 3, 5, 6, 11, 12, 22, 23, 45, 46, 90, 91, 127])).toEqual([0, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
  });

  it('linear: thresholds at 1.5 * 2^k, ties (3, 6, ..., 96) to the larger power', () => {
    expect(exps('linear', [1, 2, 3, 4, 5, 6, 11, 12, 47, 48, 95, 96, 127])).toEqual([0, 1, 2, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7]);
  });

  it('floor: the leading one, exponents 0..6 and 4-bit codes', () => {
    expect(exps('floor', [1, 2, 3, 4, 7, 8, 64, 127])).toEqual([0, 1, 1, 2, 2, 3, 6, 6]);
    expect([codeBits('log'), codeBits('linear'), codeBits('floor')]).toEqual([5, 5, 4]);
  });

  it('codes: sign bit + (exponent + 1), zero stays zero, decode inverts encode on every int8 value', () => {
    expect(encodePot(0, 'log')).toBe(0);
    expect(encodePot(1, 'log')).toBe(1);
    expect(encodePot(-1, 'log')).toBe(0b10001);
    expect(encodePot(-127, 'log')).toBe(0b11000);
    expect(encodePot(-127, 'floor')).toBe(0b1111);
    for (const rule of ['log', 'linear', 'floor'] as const)
      for (let q = -127; q <= 127; q++) {
        const d = decodePot(encodePot(q, rule), codeBits(rule));
        expect(Math.sign(d)).toBe(Math.sign(q));
        if (q !== 0) expect(Math.abs(d)).toBe(2 ** potExponent(Math.abs(q), rule));
      }
  });

  it('bit packing round trips for 4- and 5-bit codes of any length', () => {
    const rng = mulberry32(9);
    for (const bits of [4, 5])
      for (const n of [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 1001]) {
        const codes = Uint8Array.from({ length: n }, () => Math.floor(rng() * 2 ** bits));
        const packed = packCodes(codes, bits);
        expect(packed.length).toBe(Math.ceil((n * bits) / 8));
        expect(unpackCodes(packed, n, bits)).toEqual(codes);
      }
    expect(Array.from(packCodes(Uint8Array.from([1, 2, 3]), 5))).toEqual([0b01000001, 0b00001100]);
  });
});

describe('DoubleQ on ResNet-20', () => {
  let q8: QGraph;
  const setup = async () => {
    if (!q8) q8 = (await quantizedResnet20(await loadEngine(), { calibImages: 20 })).q;
    return q8;
  };

  it('kernel-weight memory: exactly 37.50 % below 8-bit with 5-bit codes, 50 % with 4-bit; whole model = file size', async () => {
    const q = await setup();
    for (const [rule, saving] of [['log', 37.5], ['linear', 37.5], ['floor', 50]] as const) {
      const p = quantizePot(q, resolveLayers(q, 'all'), { rule });
      const mem = memoryReport(p);
      expect(mem.kernelWeightBits.int8).toBe(8 * 268_336);
      expect(mem.kernelWeightBits.actual).toBe(codeBits(rule) * 268_336);
      expect(mem.savingVsInt8Pct).toBe(saving);
      const parts = mem.wholeModel;
      expect(parts.kernelWeights + parts.biases + parts.scales + parts.requant + parts.other).toBe(parts.total);
      expect(parts.other).toBeGreaterThan(0);
      expect(mem.wholeModelInt8Bytes).toBeGreaterThan(parts.total);
    }
  });

  it('selected layers only; unknown names are errors; scale re-fit lowers the weight error', async () => {
    const q = await setup();
    const one = quantizePot(q, resolveLayers(q, '/linear/Gemm'), { rule: 'log' });
    expect(memoryReport(one).layers.filter((l) => l.format === 'pot').map((l) => l.name)).toEqual(['/linear/Gemm']);
    expect(() => resolveLayers(q, 'layer9.conv')).toThrow(/--pot: no layer named 'layer9.conv'/);
    const { model } = await quantizedResnet20(await loadEngine(), { calibImages: 20 });
    const fw = layerFloatWeights(model.graphFor(1), q);
    const err = (g: QGraph) => {
      let e = 0;
      for (const n of g.nodes) {
        if (n.op !== 'conv' && n.op !== 'gemm') continue;
        const w = fw.get(n.name)!, m = n.weightScale.length, per = w.length / m;
        for (let i = 0; i < w.length; i++) e += (w[i]! - n.weightScale[Math.floor(i / per)]! * n.weights[i]!) ** 2;
      }
      return e;
    };
    const all = resolveLayers(q, 'all');
    expect(err(quantizePot(q, all, { rule: 'log', refitScale: true, floatWeights: fw }))).toBeLessThan(err(quantizePot(q, all, { rule: 'log' })));
  });
});
