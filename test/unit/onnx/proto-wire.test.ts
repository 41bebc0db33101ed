// Our protobuf codec (src/onnx/proto-wire.ts + onnx-schema.ts) against protobufjs with the
// compiled onnx.proto of the onnx-proto package (a dev dependency, so it is an independent
// reference): both directions on real models and on random messages of every schema field;
// malformed input gives a ProtoError (a clear ModelError through decodeOnnx), never another error.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/ir/errors.js';
import { decodeOnnx, encodeOnnx } from '../../../src/onnx/decode.js';
import { ONNX_SCHEMA } from '../../../src/onnx/onnx-schema.js';
import { decodeMessage, encodeMessage, ProtoError } from '../../../src/onnx/proto-wire.js';
import { REPO_ROOT, SHARED } from '../../helpers/onnx-builder.js';
import { mulberry32, randInt } from '../../helpers/rng.js';

const pb = (onnxProto as unknown as typeof import('onnx-proto')).onnx;
type PbType = { decode(b: Uint8Array): object; encode(m: object): { finish(): Uint8Array }; fromObject(o: object): object };
// our schema's message names -> protobufjs's
const PB: Record<string, PbType> = {
  ModelProto: pb.ModelProto, OperatorSetIdProto: pb.OperatorSetIdProto, StringStringEntryProto: pb.StringStringEntryProto, GraphProto: pb.GraphProto,
  NodeProto: pb.NodeProto, AttributeProto: pb.AttributeProto, ValueInfoProto: pb.ValueInfoProto, TypeProto: pb.TypeProto, TypeProtoTensor: pb.TypeProto.Tensor,
  TensorShapeProto: pb.TensorShapeProto, Dimension: pb.TensorShapeProto.Dimension, TensorProto: pb.TensorProto,
} as unknown as Record<string, PbType>;
const SCALAR = new Set(['string', 'bytes', 'int32', 'int64', 'uint64', 'float', 'double']);

/** A comparable form of a decoded message of either codec: the schema's fields only, numbers and longs as decimal strings, bytes as hex. */
function norm(type: string, o: Record<string, unknown> | null | undefined): unknown {
  if (o === null || o === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [name, t, rep] of Object.values(ONNX_SCHEMA[type]!)) {
    const one = (v: unknown): unknown => {
      if (!SCALAR.has(t)) return norm(t, v as Record<string, unknown>);
      if (t === 'bytes') return Buffer.from(v as Uint8Array).toString('hex');
      if (t === 'string') return v;
      if (t === 'uint64' && typeof v === 'object' && v !== null) return (v as { toUnsigned(): { toString(): string } }).toUnsigned().toString();
      return String(v);
    };
    const v = o[name];
    out[name] = rep ? Array.from((v ?? []) as ArrayLike<unknown>).map(one) : v === undefined || v === null ? (SCALAR.has(t) ? one(t === 'string' ? '' : t === 'bytes' ? new Uint8Array() : 0) : null) : one(v);
  }
  return out;
}

const INT64 = [0, 1, -1, 127, 128, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 9223372036854775807n, -9223372036854775808n, 1234567890123n];
function randomMessage(type: string, rng: () => number, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, t, rep] of Object.values(ONNX_SCHEMA[type]!)) {
    if (rng() < 0.3) continue;
    const one = (): unknown => {
      switch (t) {
        case 'string': return ['', 'x', 'Conv_0', 'ünïcode ✓', 'a'.repeat(200)][randInt(rng, 0, 4)];
        case 'bytes': return Uint8Array.from({ length: randInt(rng, rep ? 1 : 0, 40) }, () => randInt(rng, 0, 255)); // protobufjs's fromObject drops empty repeated bytes
        case 'int32': // enums (protobufjs maps unknown enum values to 0) within their values
          if (name === 'dataLocation') return randInt(rng, 0, 1);
          if (type === 'AttributeProto' && name === 'type') return randInt(rng, 0, 14);
          return [0, 1, -1, 7, 2 ** 31 - 1, -(2 ** 31)][randInt(rng, 0, 5)];
        case 'int64': return INT64[randInt(rng, 0, INT64.length - 1)];
        case 'uint64': return [0, 1, 2 ** 40, 18446744073709551615n][randInt(rng, 0, 3)];
        case 'float': return Math.fround((rng() - 0.5) * 10 ** randInt(rng, -3, 6));
        case 'double': return (rng() - 0.5) * 1e10;
        default: return depth < 3 ? randomMessage(t, rng, depth + 1) : {};
      }
    };
    o[name] = rep ? Array.from({ length: randInt(rng, 0, 3) }, one) : one();
  }
  return o;
}

/** protobufjs wants Longs for 64-bit values it cannot hold as numbers. */
function forPb(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(forPb);
  if (v instanceof Uint8Array) return v;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forPb(x)]));
  return v;
}

const models = [join(REPO_ROOT, 'models/mnist-resnet.onnx'), join(SHARED, 'models/resnet20-cifar10.onnx')].filter(existsSync);

describe('protobuf codec vs protobufjs (onnx-proto)', () => {
  it('decodes real models to the same messages', () => {
    for (const f of models) {
      const bytes = new Uint8Array(readFileSync(f));
      expect(norm('ModelProto', decodeOnnx(bytes) as Record<string, unknown>)).toEqual(norm('ModelProto', pb.ModelProto.decode(bytes) as unknown as Record<string, unknown>));
    }
  });

  it('re-encodes a real model so that protobufjs reads it back the same', () => {
    const bytes = new Uint8Array(readFileSync(models[0]!));
    const m = decodeOnnx(bytes);
    expect(norm('ModelProto', pb.ModelProto.decode(encodeOnnx(m)) as unknown as Record<string, unknown>)).toEqual(norm('ModelProto', m as Record<string, unknown>));
  });

  it('random messages of every schema type, both directions (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = mulberry32(seed);
      const types = Object.keys(ONNX_SCHEMA);
      const type = types[seed % types.length]!;
      const msg = randomMessage(type, rng);
      const ours = encodeMessage(ONNX_SCHEMA, type, msg);
      const theirs = PB[type]!.encode(PB[type]!.fromObject(forPb(msg) as object)).finish();
      const want = norm(type, PB[type]!.decode(theirs) as Record<string, unknown>);
      expect(norm(type, decodeMessage(ONNX_SCHEMA, type, theirs)), `seed ${seed} ${type}`).toEqual(want);
      expect(norm(type, PB[type]!.decode(ours) as Record<string, unknown>), `seed ${seed} ${type}`).toEqual(want);
    }
  });

  it('reads unpacked repeated numbers too, and skips unknown fields of every wire type', () => {
    // TensorProto: dims 3 and 4 unpacked (field 1, varint), unknown field 99 as varint, fixed64, bytes, group, fixed32
    const b = Uint8Array.from([0x08, 3, 0x08, 4, 0x98, 0x06, 5, 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x9a, 0x06, 1, 0xff, 0x9b, 0x06, 0x08, 1, 0x9c, 0x06, 0x9d, 0x06, 1, 2, 3, 4, 0x10, 1]);
    const t = decodeMessage(ONNX_SCHEMA, 'TensorProto', b);
    expect(t.dims).toEqual([3, 4]);
    expect(t.dataType).toBe(1);
  });
});

describe('malformed protobuf: a ProtoError naming what is wrong, never another error', () => {
  const bad = (b: Uint8Array) => {
    try {
      decodeMessage(ONNX_SCHEMA, 'ModelProto', b);
    } catch (e) {
      expect(e).toBeInstanceOf(ProtoError);
      return (e as Error).message;
    }
    return 'decoded';
  };

  it('every truncation of a real model', () => {
    const bytes = new Uint8Array(readFileSync(models[0]!));
    for (let cut = 1; cut < bytes.length; cut += 37) {
      const r = bad(bytes.subarray(0, cut));
      if (r !== 'decoded') expect(r).toMatch(/truncated|runs past the end|overruns|wire type|field number 0|varint/);
      expect(() => decodeOnnx(bytes.subarray(0, cut))).toThrow(ModelError);
    }
  });

  it('overlong varints, wrong wire types, a stray end-group, deep nesting', () => {
    expect(bad(Uint8Array.from([0x08, ...new Array(10).fill(0xff), 0x01]))).toMatch(/varint longer than 10 bytes at byte 11/);
    expect(bad(Uint8Array.from([0x3d, 0, 0, 0, 0]))).toMatch(/ModelProto\.graph has wire type 5, expected 2/);
    expect(bad(Uint8Array.from([0x0a, 1, 0]))).toMatch(/ModelProto\.irVersion has wire type 2, expected 0/);
    expect(bad(Uint8Array.from([0x9c, 0x06]))).toMatch(/end-group without a start/);
    expect(bad(Uint8Array.from([0x9f, 0x06]))).toMatch(/unknown wire type 7/);
    // graph -> node -> attribute -> g -> node -> attribute -> g ... 100 levels
    let g = new Uint8Array(0);
    const wrap = (field: number, inner: Uint8Array) => Uint8Array.from([(field << 3) | 2, ...varint(inner.length), ...inner]);
    for (let i = 0; i < 100; i++) g = wrap(1, wrap(5, wrap(6, g))); // GraphProto.node(1) > NodeProto.attribute(5) > AttributeProto.g(6)
    expect(bad(wrap(7, g))).toMatch(/nested deeper than 64/);
    expect(() => decodeOnnx(wrap(7, g))).toThrow(/^not an ONNX model \(truncated or corrupt protobuf\): messages nested deeper than 64/);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
