import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/ir/errors.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { buildModel } from '../../helpers/onnx-builder.js';
import { SHARED } from '../../helpers/onnx-builder.js';
import { mulberry32 } from '../../helpers/rng.js';

const resnet = readFileSync(resolve(SHARED, 'models/resnet20-cifar10.onnx'));

function importError(bytes: Uint8Array): string {
  try {
    importOnnxBytes(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('import succeeded');
}

const conv = (extra: Record<string, number | number[] | string> = {}) =>
  buildModel({
    inputs: [{ name: 'x', dims: ['N', 1, 4, 4] }],
    outputs: [{ name: 'y' }],
    nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], name: 'c1', attrs: { kernel_shape: [3, 3], ...extra } }],
    initializers: [{ name: 'W', dims: [2, 1, 3, 3], data: new Float32Array(18) }],
  });

describe('ONNX import', () => {
  it('imports ResNet-20 with concrete shapes for the requested batch and folds the shortcut constants', () => {
    const g = importOnnxBytes(resnet, { batch: 4 });
    expect(g.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: [4, 3, 32, 32] }]);
    expect(g.outputs[0]!.shape).toEqual([4, 10]);
    expect(g.nodes.some((n) => n.op === 'Constant')).toBe(false);
    const slices = g.nodes.filter((n) => n.op === 'Slice');
    expect(slices.map((n) => g.values.get(n.outputs[0]!)!.shape)).toEqual([[4, 16, 16, 16], [4, 32, 8, 8]]);
    const pads = g.nodes.filter((n) => n.op === 'Pad');
    expect(pads.map((n) => g.values.get(n.outputs[0]!)!.shape)).toEqual([[4, 32, 16, 16], [4, 64, 8, 8]]);
  });

  it('rejects an empty, truncated or random-bytes file with one line', () => {
    expect(importError(new Uint8Array())).toMatch(/empty/);
    for (const cut of [10, 1000, resnet.length >> 1, resnet.length - 3]) expect(importError(resnet.subarray(0, cut))).toMatch(/not an ONNX model|truncated|raw_data/);
    const r = mulberry32(7);
    for (let k = 0; k < 20; k++) {
      const junk = Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256));
      expect(importError(junk)).toMatch(/ONNX|node|opset|input/);
    }
  });

  it('names the op type and the node of an unsupported op', () => {
    const m = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Softsign', name: 'head/softsign', inputs: ['x'], outputs: ['y'] }] });
    expect(importError(m)).toBe("unsupported op 'Softsign' in node 'head/softsign'");
    const d = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', domain: 'com.example', name: 'r', inputs: ['x'], outputs: ['y'] }] });
    expect(importError(d)).toBe("unsupported op 'com.example:Relu' in node 'r'");
  });

  it('reports a missing input, a missing output and unsupported attributes', () => {
    const m = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Add', name: 'a', inputs: ['x', 'ghost'], outputs: ['y'] }] });
    expect(importError(m)).toBe("node 'a' (Add): input 'ghost' is not produced by an earlier node, an initializer or a graph input");
    const o = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'z' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    expect(importError(o)).toBe("graph output 'z' is not produced by any node");
    expect(importError(conv({ foo: 3 }))).toBe("node 'c1' (Conv): unsupported attribute(s): foo");
    expect(importError(conv({ auto_pad: 'SIDEWAYS' }))).toBe("node 'c1' (Conv): unknown auto_pad 'SIDEWAYS'");
  });

  it('checks shapes: weights against inputs, non-batch symbolic dims, fixed batch', () => {
    const bad = buildModel({
      inputs: [{ name: 'x', dims: [1, 3, 4, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Conv', name: 'c', inputs: ['x', 'W'], outputs: ['y'] }],
      initializers: [{ name: 'W', dims: [2, 1, 3, 3], data: new Float32Array(18) }],
    });
    expect(importError(bad)).toBe("node 'c' (Conv): weight has 1 input channels per group, input has 3 channels / group 1");
    const sym = buildModel({ inputs: [{ name: 'x', dims: ['N', 'C', 4, 4] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    expect(importError(sym)).toMatch(/symbolic dimension 'C' at axis 1/);
    expect(() => importOnnxBytes(bad, { batch: 2 })).toThrow(/fixed batch of 1/);
    expect(importOnnxBytes(conv(), { batch: 3 }).values.get('y')!.shape).toEqual([3, 2, 2, 2]);
  });

  it('rejects a weight whose raw data does not match its dims', () => {
    const m = buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'] }],
      initializers: [{ name: 'b', dims: [5], data: new Float32Array(4) }],
    });
    expect(importError(m)).toBe("initializer 'b': raw_data has 16 bytes, dims [5] need 20");
  });
});
