// The contract every ONNX op file fulfils: parse its attributes, infer its output shapes,
// and run the float reference semantics (plain loops: the oracle for everything else).

import type { ValueInfo } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { AttrReader } from './attributes.js';
import { fail } from './op-error.js';

export { fail, OpError } from './op-error.js';

export interface OpDef<A = unknown> {
  /** ONNX op type (default domain). */
  readonly type: string;
  /** Inputs accepted: [min, max]. Optional inputs may be '' in between. */
  readonly arity: readonly [number, number];
  /** Outputs produced: only the first `outputs` are supported. */
  readonly outputs?: number;
  parse(attrs: AttrReader, opset: number): A;
  /** Output dtypes and shapes; `consts[i]` is input i's value when it is a constant. */
  infer(inputs: readonly (ValueInfo | undefined)[], consts: readonly (Tensor | undefined)[], attrs: A): ValueInfo[];
  /** Float reference semantics (shape ops also handle integer tensors). `alloc`, where an op
   *  takes it, gives its float32 output buffers (zero-filled, as `new Float32Array(n)`, unless
   *  the op passes zero = false because it writes every element). */
  run(inputs: readonly (Tensor | undefined)[], attrs: A, alloc?: F32Alloc): Tensor[];
  /** Folds to constants from input shapes alone (Shape). */
  foldFromShapes?(inputs: readonly (ValueInfo | undefined)[], attrs: A): Tensor[];
  /** Multiply-accumulates for the whole node at the given shapes. */
  macs?(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], attrs: A): number;
  /** Indices of inputs that are learned parameters (weights, biases, BN statistics). */
  readonly paramInputs?: readonly number[];
}

/** Float32 buffer of n elements, zero-filled unless `zero` is false (then its contents are
 *  unspecified; an allocator may still zero it). The float executor passes its buffer pool. */
export type F32Alloc = (n: number, zero?: boolean) => Float32Array;

export const freshF32: F32Alloc = (n) => new Float32Array(n);

export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) fail(`missing ${what}`);
  return v;
}

export function needConst(c: Tensor | undefined, what: string): Tensor {
  if (c === undefined) fail(`${what} must be a constant (computed inputs are not supported)`);
  return c;
}

export function expectRank(v: ValueInfo, rank: number, what: string): void {
  if (v.shape.length !== rank) fail(`${what} must have rank ${rank}, got shape [${v.shape.join(',')}]`);
}

export function expectFloat(v: ValueInfo | Tensor, what: string): void {
  if (v.dtype !== 'float32') fail(`${what} must be float32, got ${v.dtype}`);
}

/** Normalises a possibly negative axis against a rank. */
export function axisOf(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(`${what} ${axis} out of range for rank ${rank}`);
  return a;
}
