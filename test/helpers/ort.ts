// onnxruntime-node as the oracle for float semantics (dev-only dependency).

import * as ort from 'onnxruntime-node';

export async function runOrt(model: Uint8Array, feeds: Record<string, { dims: number[]; data: Float32Array }>): Promise<Record<string, { dims: readonly number[]; data: Float32Array }>> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await session.run(inputs);
  const r: Record<string, { dims: readonly number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(out)) r[k] = { dims: t.dims, data: t.data as Float32Array };
  await session.release();
  return r;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
