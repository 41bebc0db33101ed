// .onnx bytes -> ONNX ModelProto, decoded by protobufjs (src/onnx/onnx-codec.ts) with the part
// of the ONNX schema we use (src/onnx/onnx-schema.ts).
// Reference: onnx/onnx.proto, messages ModelProto, GraphProto, NodeProto, TensorProto.

import { limitMessage, withinLimit } from '../core/limits.js';
import { ModelError } from '../ir/errors.js';
import { tensor, type DType, type Tensor } from '../ir/tensor.js';
import { decodeModel, encodeModel } from './onnx-codec.js';
import { DataLocation, type Int64, type ModelProto, type TensorProto } from './onnx-schema.js';

export { AttributeType, DataLocation } from './onnx-schema.js';
export type * as OnnxTypes from './onnx-schema.js';
export type OnnxModel = ModelProto;

/** The protobuf bytes of an ONNX model (fields left out are not written). */
export function encodeOnnx(m: ModelProto): Uint8Array {
  return encodeModel(m);
}

/** Decodes and sanity-checks an ONNX model. Throws ModelError with a one-line reason. */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) throw new ModelError('not an ONNX model: the file is empty');
  let m: OnnxModel;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    // protobufjs throws Error / RangeError (index out of range, invalid wire type, maximum nesting depth exceeded)
    throw new ModelError(`not an ONNX model (truncated or corrupt protobuf): ${e instanceof Error ? e.message : String(e)}`);
  }
  const g = m.graph;
  if (!g || (g.node?.length ?? 0) === 0) throw new ModelError('not an ONNX model: it has no graph nodes (truncated or not a model file?)');
  if (!m.irVersion || toNumber(m.irVersion) <= 0) throw new ModelError('not an ONNX model: missing ir_version');
  if ((g.output?.length ?? 0) === 0) throw new ModelError('invalid ONNX model: the graph declares no outputs');
  return m;
}

export function toNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v);
}

// TensorProto.DataType values (onnx.proto).
const DTYPES: Record<number, DType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool' };
const DTYPE_NAMES: Record<number, string> = { 4: 'uint16', 5: 'int16', 8: 'string', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16' };

export function dtypeOf(code: number, what: string): DType {
  const d = DTYPES[code];
  if (!d) throw new ModelError(`${what}: element type ${DTYPE_NAMES[code] ?? code} is not supported`);
  return d;
}

const ITEM_BYTES: Record<DType, number> = { float32: 4, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };

/** TensorProto -> Tensor (copies; raw_data is little-endian). */
export function tensorFromProto(t: TensorProto, what: string): Tensor {
  const name = `${what}${t.name ? ` '${t.name}'` : ''}`;
  if (t.dataLocation === DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0)
    throw new ModelError(`${name}: external tensor data is not supported (save the model with the weights inside)`);
  const dtype = dtypeOf(t.dataType ?? 0, name);
  const shape = (t.dims ?? []).map((d) => toNumber(d));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ModelError(`${name}: invalid dims [${shape.join(',')}]`);
  const n = shape.reduce((p, d) => p * d, 1);
  if (!withinLimit('constElements', n)) throw new ModelError(`${name}: ${limitMessage('constElements', n, 'elements')}`);
  const out = tensor(dtype, shape);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const need = n * ITEM_BYTES[dtype];
    if (raw.length !== need) throw new ModelError(`${name}: raw_data has ${raw.length} bytes, dims [${shape.join(',')}] need ${need}`);
    const bytes = new Uint8Array(out.data.buffer, out.data.byteOffset, need);
    bytes.set(raw);
    if (!littleEndianHost) swapInPlace(bytes, ITEM_BYTES[dtype]);
    return out;
  }
  const src: ArrayLike<unknown> =
    dtype === 'float32' ? t.floatData ?? [] : dtype === 'int64' ? t.int64Data ?? [] : t.int32Data ?? [];
  if (src.length !== n) throw new ModelError(`${name}: has ${src.length} values, dims [${shape.join(',')}] need ${n}`);
  const d = out.data;
  for (let i = 0; i < n; i++) {
    const v = src[i] as Int64;
    if (d instanceof BigInt64Array) d[i] = BigInt.asIntN(64, BigInt(v));
    else (d as Float32Array)[i] = v as number;
  }
  return out;
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function swapInPlace(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}
