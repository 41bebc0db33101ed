// Dense tensors of the IR. int64 is kept exact (BigInt64Array): ONNX shape arithmetic
// uses INT64_MAX as "to the end", which a double cannot hold.

import { ModelError } from './errors.js';

export type DType = 'float32' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TensorData = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocData(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

export function tensor(dtype: DType, shape: readonly number[], data?: TensorData): Tensor {
  const n = sizeOf(shape);
  const d = data ?? allocData(dtype, n);
  if (d.length !== n) throw new ModelError(`tensor data has ${d.length} elements, shape [${shape.join(',')}] needs ${n}`);
  return { dtype, shape: [...shape], data: d };
}

export function f32(shape: readonly number[], data?: Float32Array): Tensor {
  return tensor('float32', shape, data);
}

/** Reads an integer tensor (int64/int32/...) as JS numbers; int64 beyond 2^53 is clamped to +-Number.MAX_SAFE_INTEGER. */
export function toInts(t: Tensor): number[] {
  const out: number[] = [];
  if (t.data instanceof BigInt64Array) {
    for (const v of t.data) {
      const max = BigInt(Number.MAX_SAFE_INTEGER);
      out.push(Number(v > max ? max : v < -max ? -max : v));
    }
  } else if (t.dtype === 'float32') {
    throw new ModelError('expected an integer tensor, got float32');
  } else {
    for (const v of t.data as Int32Array) out.push(v);
  }
  return out;
}

export function int64(shape: readonly number[], values: readonly number[]): Tensor {
  return tensor('int64', shape, BigInt64Array.from(values, (v) => BigInt(v)));
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
