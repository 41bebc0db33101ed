import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FOLD_BN_ATOL } from '../../../src/error-budgets.js';
import { f32 } from '../../../src/ir/tensor.js';
import { importOnnxBytes } from '../../../src/onnx/import.js';
import { foldBatchNorm } from '../../../src/passes/fold-batch-norm.js';
import { F32Executor } from '../../../src/runtime/f32-executor.js';
import { buildModel, SHARED } from '../../helpers/onnx-builder.js';
import { maxAbsDiff } from '../../helpers/ort.js';
import { mulberry32, randomF32 } from '../../helpers/rng.js';

describe('fold-batch-norm', () => {
  it('removes every BatchNormalization of ResNet-20 and keeps its outputs', () => {
    const g = importOnnxBytes(readFileSync(resolve(SHARED, 'models/resnet20-cifar10-bn.onnx')), { batch: 2 });
    const folded = foldBatchNorm.run(g);
    expect(g.nodes.filter((n) => n.op === 'BatchNormalization')).toHaveLength(19);
    expect(folded.nodes.filter((n) => n.op === 'BatchNormalization')).toHaveLength(0);
    expect(folded.nodes.filter((n) => n.op === 'Conv').every((n) => n.inputs.length === 3)).toBe(true);
    const x = f32([2, 3, 32, 32], randomF32(mulberry32(3), 2 * 3072));
    const a = new F32Executor(g).run({ input: x }).logits!.data as Float32Array;
    const b = new F32Executor(folded).run({ input: x }).logits!.data as Float32Array;
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(FOLD_BN_ATOL);
  });

  it('leaves a BN alone when the conv output has another reader', () => {
    const m = buildModel({
      inputs: [{ name: 'x', dims: [1, 1, 3, 3] }],
      outputs: [{ name: 'y' }, { name: 'c' }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
        { op: 'BatchNormalization', inputs: ['c', 's', 'b', 'm', 'v'], outputs: ['y'] },
      ],
      initializers: ['W', 's', 'b', 'm', 'v'].map((name) => ({ name, dims: name === 'W' ? [1, 1, 1, 1] : [1], data: [1] })),
    });
    const g = importOnnxBytes(m);
    expect(foldBatchNorm.run(g)).toBe(g);
  });
});
