// One ONNX op (or a few) run by our float executor and by onnxruntime-node on the same input:
// the float-semantics check the op tests share.

import { expect } from 'vitest';
import { FLOAT_OP_VS_ORT_ATOL } from '../../src/error-budgets.js';
import { f32 } from '../../src/ir/tensor.js';
import { importOnnxBytes } from '../../src/onnx/import.js';
import { F32Executor } from '../../src/runtime/f32-executor.js';
import { buildModel, type NodeSpec, type TensorSpec } from './onnx-builder.js';
import { maxAbsDiff, runOrt } from './ort.js';

export interface OpCase { name: string; x: number[]; nodes: NodeSpec[]; inits?: TensorSpec[]; opset?: number }

/** A single node reading `inputs` and writing `y`. */
export const one = (op: string, inputs: string[], attrs?: NodeSpec['attrs']): NodeSpec[] => [{ op, inputs, outputs: ['y'], attrs }];

/** Input `x` = data, output `y`: same shape as onnxruntime's and within FLOAT_OP_VS_ORT_ATOL. */
export async function expectAgreesWithOrt(c: OpCase, data: Float32Array): Promise<void> {
  const bytes = buildModel({ inputs: [{ name: 'x', dims: c.x }], outputs: [{ name: 'y' }], nodes: c.nodes, initializers: c.inits, opset: c.opset });
  const g = importOnnxBytes(bytes, { batch: c.x[0] });
  const ours = new F32Executor(g).run({ x: f32(c.x, data) }).y!;
  const ref = (await runOrt(bytes, { x: { dims: c.x, data } })).y!;
  expect(ours.shape).toEqual([...ref.dims]);
  expect(maxAbsDiff(ours.data as Float32Array, ref.data)).toBeLessThanOrEqual(FLOAT_OP_VS_ORT_ATOL);
}
