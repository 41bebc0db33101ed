// ONNX ModelProto <-> protobuf bytes with protobufjs (light build: no .proto parser) and the
// descriptor of the onnx.proto fields we use (src/onnx/onnx-schema.ts). protobufjs does the wire
// format and the hostile-input checks (lengths past the end, bad varints and wire types to skip,
// nesting deeper than its recursion limit); this module only turns its messages into plain
// objects of our types and back: every field present (defaults, empty arrays, absent messages
// null), bytes copied (protobufjs returns views into the input), int64 values exact numbers when
// they fit in 2^53, else bigint (protobufjs gives a Long when the `long` package loads, a
// possibly rounded number when not, as in a bundle without it).

import protobuf from 'protobufjs/light.js';
import { ONNX_DESCRIPTOR, type Int64, type ModelProto } from './onnx-schema.js';

type Obj = Record<string, unknown>;
type LongLike = { low: number; high: number; unsigned?: boolean; toString(): string };

const root = protobuf.Root.fromJSON(ONNX_DESCRIPTOR);
const Model = root.lookupType('onnx.ModelProto');
root.resolveAll();

const INT64 = new Set(['int64', 'uint64']);

function exact(v: unknown): Int64 {
  if (typeof v === 'number') return v;
  const l = v as LongLike;
  const n = l.unsigned ? (l.high >>> 0) * 2 ** 32 + (l.low >>> 0) : l.high * 2 ** 32 + (l.low >>> 0);
  // the sum rounds monotonically, so a value beyond 2^53 never comes out safe
  return Number.isSafeInteger(n) ? n : BigInt(l.toString());
}

function plain(t: protobuf.Type, m: Obj): Obj {
  const o: Obj = {};
  for (const f of t.fieldsArray) {
    const v = m[f.name];
    const one = f.resolvedType instanceof protobuf.Type
      ? (x: unknown) => plain(f.resolvedType as protobuf.Type, x as Obj)
      : INT64.has(f.type) ? exact
        : f.type === 'bytes' ? (x: unknown) => (x instanceof Uint8Array ? new Uint8Array(x) : new Uint8Array(0)) // a copy (a Buffer's slice() would be a view)
          : (x: unknown) => x;
    if (f.repeated) o[f.name] = Array.from(v as ArrayLike<unknown>, one);
    else o[f.name] = v === null || v === undefined ? (f.resolvedType ? null : v) : one(v);
  }
  return o;
}

/** Decodes a ModelProto; protobufjs's errors (Error, RangeError) pass through to the caller. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return plain(Model, Model.decode(bytes) as unknown as Obj) as ModelProto;
}

/** bigint -> the {low, high} form protobufjs writes (it would write a bigint as 0). */
const bits = (v: bigint) => ({ low: Number(BigInt.asIntN(32, v)), high: Number(BigInt.asIntN(32, v >> 32n)) });

function forWriter(t: protobuf.Type, m: Obj): Obj {
  const o: Obj = {};
  for (const f of t.fieldsArray) {
    const v = m[f.name];
    if (v === undefined || v === null) continue;
    const sub = f.resolvedType instanceof protobuf.Type ? (f.resolvedType as protobuf.Type) : null;
    const one = sub ? (x: unknown) => forWriter(sub, x as Obj) : INT64.has(f.type) ? (x: unknown) => (typeof x === 'bigint' ? bits(x) : x) : null;
    o[f.name] = one === null ? v : f.repeated ? Array.from(v as ArrayLike<unknown>, one) : one(v);
  }
  return o;
}

/** The protobuf bytes of a model (fields left out or null are not written). */
export function encodeModel(m: ModelProto): Uint8Array {
  return Model.encode(forWriter(Model, m as Obj)).finish();
}
