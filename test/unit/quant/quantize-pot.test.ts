import { describe, expect, it } from 'vitest';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { memoryReport } from '../../../src/plan/memory-report.js';
import { codeBits } from '../../../src/core/pot-codec.js';
import { quantizePot, resolveLayers } from '../../../src/quant/quantize-pot.js';
import { layerFloatWeights } from '../../../src/quant/quantize-int8.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { quantizedResnet20 } from '../../helpers/resnet.js';

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
