// Our ONNX codec (protobufjs 7 with our descriptor of onnx.proto, src/onnx/onnx-codec.ts +
// onnx-schema.ts) against protobufjs 6 with the compiled onnx.proto of the onnx-proto package (a
// dev dependency, so an independent reference for field numbers and types): both directions on
// real models and on random models using every descriptor field; int64 values exact; malformed
// input a ModelError "not an ONNX model ...", never another error.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/ir/errors.js';
import { decodeOnnx, encodeOnnx, tensorFromProto } from '../../../src/onnx/decode.js';
import { ONNX_DESCRIPTOR } from '../../../src/onnx/onnx-schema.js';
import { REPO_ROOT, SHARED } from '../../helpers/onnx-builder.js';
import { mulberry32, randInt } from '../../helpers/rng.js';

const pb = (onnxProto as unknown as typeof import('onnx-proto')).onnx;
type Obj = Record<string, unknown>;
const ModelType = protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto');
ModelType.root.resolveAll();
const sub = (f: protobuf.Field) => (f.resolvedType instanceof protobuf.Type ? f.resolvedType : null);

/** A comparable form of a decoded message of either codec: the descriptor's fields only, numbers and longs as decimal strings, bytes as hex. */
function norm(t: protobuf.Type, o: Obj | null | undefined): unknown {
  if (o === null || o === undefined) return null;
  const out: Obj = {};
  for (const f of t.fieldsArray) {
    const s = sub(f);
    const one = (v: unknown): unknown => {
      if (s) return norm(s, v as Obj);
      if (f.type === 'bytes') return Buffer.from(v as Uint8Array).toString('hex');
      if (f.type === 'string') return v;
      if (f.type === 'uint64' && typeof v === 'object' && v !== null) return (v as { toUnsigned(): { toString(): string } }).toUnsigned().toString();
      return String(v);
    };
    const v = o[f.name];
    const dflt = f.type === 'string' ? '' : f.type === 'bytes' ? new Uint8Array() : 0;
    out[f.name] = f.repeated ? Array.from((v ?? []) as ArrayLike<unknown>).map(one) : v === undefined || v === null ? (s ? null : one(dflt)) : one(v);
  }
  return out;
}

const INT64 = [0, 1, -1, 127, 128, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n, 9223372036854775807n, -9223372036854775808n, 1234567890123n];
function randomMessage(t: protobuf.Type, rng: () => number, depth = 0): Obj {
  const o: Obj = {};
  for (const f of t.fieldsArray) {
    if (rng() < 0.3) continue;
    const s = sub(f);
    if (s && depth >= 5) continue;
    const one = (): unknown => {
      if (s) return randomMessage(s, rng, depth + 1);
      switch (f.type) {
        case 'string': return ['', 'x', 'Conv_0', 'ünïcode ✓', 'a'.repeat(200)][randInt(rng, 0, 4)];
        case 'bytes': return Uint8Array.from({ length: randInt(rng, f.repeated ? 1 : 0, 40) }, () => randInt(rng, 0, 255)); // protobufjs 6's fromObject drops empty repeated bytes
        case 'int32': // enums (protobufjs 6 maps unknown enum values to 0) within their values
          if (f.name === 'dataLocation') return randInt(rng, 0, 1);
          if (t.name === 'AttributeProto' && f.name === 'type') return randInt(rng, 0, 14);
          return [0, 1, -1, 7, 2 ** 31 - 1, -(2 ** 31)][randInt(rng, 0, 5)];
        case 'int64': return INT64[randInt(rng, 0, INT64.length - 1)];
        case 'uint64': return [0, 1, 2 ** 40, 18446744073709551615n][randInt(rng, 0, 3)];
        case 'float': return Math.fround((rng() - 0.5) * 10 ** randInt(rng, -3, 6));
        case 'double': return (rng() - 0.5) * 1e10;
        default: throw new Error(`no generator for ${f.type}`);
      }
    };
    o[f.name] = f.repeated ? Array.from({ length: randInt(rng, 0, depth < 2 ? 3 : 1) }, one) : one();
  }
  return o;
}

/** protobufjs 6 wants strings (or Longs) for 64-bit values it cannot hold as numbers. */
function forPb(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(forPb);
  if (v instanceof Uint8Array) return v;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forPb(x)]));
  return v;
}

/** Every int64 in a decoded object: must be a number that is exact, or a bigint beyond 2^53. */
function checkInts(t: protobuf.Type, o: Obj): void {
  for (const f of t.fieldsArray) {
    const s = sub(f), v = o[f.name];
    const vs = f.repeated ? Array.from(v as ArrayLike<unknown>) : [v];
    for (const x of vs) {
      if (s) { if (x !== null) checkInts(s, x as Obj); }
      else if (f.type === 'int64' || f.type === 'uint64') {
        if (typeof x === 'number') expect(Number.isSafeInteger(x), `${t.name}.${f.name} = ${x}`).toBe(true);
        else expect(typeof x === 'bigint' && (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER)), `${t.name}.${f.name} = ${String(x)}`).toBe(true);
      }
    }
  }
}

const models = [join(REPO_ROOT, 'models/mnist-resnet.onnx'), join(SHARED, 'models/resnet20-cifar10.onnx')].filter(existsSync);
const normPb = (b: Uint8Array) => norm(ModelType, pb.ModelProto.decode(b) as unknown as Obj);

describe('ONNX codec vs protobufjs 6 with the compiled onnx.proto (onnx-proto)', () => {
  it('decodes real models to the same messages', () => {
    for (const f of models) {
      const bytes = new Uint8Array(readFileSync(f));
      const m = decodeOnnx(bytes) as Obj;
      expect(norm(ModelType, m)).toEqual(normPb(bytes));
      checkInts(ModelType, m);
    }
  });

  it('bytes fields are copies, also when decoding from a Buffer (the caller may reuse it)', () => {
    const buf = readFileSync(models[0]!); // a Buffer: protobufjs reads it with its BufferReader
    const raw = decodeOnnx(buf).graph!.initializer!.find((t) => (t.rawData?.length ?? 0) > 0)!.rawData!;
    const before = Buffer.from(raw).toString('hex');
    buf.fill(0);
    expect(Buffer.from(raw).toString('hex')).toBe(before);
    expect(Object.getPrototypeOf(raw)).toBe(Uint8Array.prototype);
  });

  it('re-encodes a real model so that protobufjs 6 reads it back the same', () => {
    const bytes = new Uint8Array(readFileSync(models[0]!));
    const m = decodeOnnx(bytes);
    expect(normPb(encodeOnnx(m))).toEqual(norm(ModelType, m as Obj));
  });

  it('random models over every descriptor field, both directions; int64 exact (seeded)', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const msg = randomMessage(ModelType, mulberry32(seed));
      msg.irVersion = 8;
      const g = (msg.graph ??= {}) as Obj; // decodeOnnx wants nodes and outputs
      if (!(g.node as unknown[] | undefined)?.length) g.node = [{ opType: 'Relu' }];
      if (!(g.output as unknown[] | undefined)?.length) g.output = [{ name: 'y' }];
      const theirs = pb.ModelProto.encode(pb.ModelProto.fromObject(forPb(msg) as object)).finish();
      const want = normPb(theirs);
      const ours = decodeOnnx(theirs) as Obj;
      expect(norm(ModelType, ours), `seed ${seed}`).toEqual(want);
      checkInts(ModelType, ours);
      expect(normPb(encodeOnnx(ours as never)), `seed ${seed}`).toEqual(want);
      expect(normPb(encodeOnnx(msg as never)), `seed ${seed}`).toEqual(want); // bigints written as themselves, not as 0
    }
  });

  it('reads unpacked repeated numbers too, and skips unknown fields of every wire type', () => {
    // TensorProto: dims 3 and 4 unpacked (field 1, varint), unknown field 99 as varint, fixed64, bytes, group, fixed32
    const t = Uint8Array.from([0x08, 3, 0x08, 4, 0x98, 0x06, 5, 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x9a, 0x06, 1, 0xff, 0x9b, 0x06, 0x08, 1, 0x9c, 0x06, 0x9d, 0x06, 1, 2, 3, 4, 0x10, 1]);
    const m = decodeOnnx(withInitializer(t));
    expect(m.graph!.initializer![0]!.dims).toEqual([3, 4]);
    expect(m.graph!.initializer![0]!.dataType).toBe(1);
  });

  it('dims beyond 2^53 stay exact (bigint) and are rejected by name', () => {
    const m = decodeOnnx(withInitializer(pb.TensorProto.encode({ name: 'w', dims: ['9007199254740993'], dataType: 1 } as never).finish()));
    expect(m.graph!.initializer![0]!.dims).toEqual([9007199254740993n]);
    expect(() => tensorFromProto(m.graph!.initializer![0]!, 'initializer')).toThrow(/initializer 'w': invalid dims \[9007199254740992\]/);
  });
});

describe('malformed protobuf: a ModelError naming what is wrong, never another error', () => {
  const bad = (b: Uint8Array) => {
    try {
      decodeOnnx(b);
    } catch (e) {
      expect(e).toBeInstanceOf(ModelError);
      return (e as Error).message;
    }
    return 'decoded';
  };
  const corrupt = /^not an ONNX model \(truncated or corrupt protobuf\): /;

  it('every truncation of a real model', () => {
    const bytes = new Uint8Array(readFileSync(models[0]!));
    for (let cut = 1; cut < bytes.length; cut += 37) expect(bad(bytes.subarray(0, cut))).toMatch(/^(not an ONNX model|invalid ONNX model)/);
  });

  it('overlong varints, wrong wire types, a stray end-group, deep nesting, files that are not protobuf', () => {
    expect(bad(Uint8Array.from([0x08, ...new Array(10).fill(0xff), 0x01]))).toMatch(/corrupt protobuf\): invalid varint encoding/);
    expect(bad(Uint8Array.from([0x3d, 0, 0, 0, 0]))).toMatch(corrupt); // graph as fixed32
    expect(bad(Uint8Array.from([0x0a, 1, 0]))).toMatch(corrupt); // ir_version as bytes
    expect(bad(Uint8Array.from([0x9c, 0x06]))).toMatch(/corrupt protobuf\): invalid wire type 4/);
    expect(bad(Uint8Array.from([0x9f, 0x06]))).toMatch(/corrupt protobuf\): invalid wire type 7/);
    expect(bad(new TextEncoder().encode('{"not": "a model"}\n'))).toMatch(/^not an ONNX model/);
    expect(bad(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toMatch(/^not an ONNX model/); // a PNG header
    // graph -> node -> attribute -> g -> node -> attribute -> g ... 100 levels (300 messages)
    let g: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 100; i++) g = wrap(1, wrap(5, wrap(6, g))); // GraphProto.node(1) > NodeProto.attribute(5) > AttributeProto.g(6)
    expect(bad(wrap(7, g))).toMatch(/corrupt protobuf\): maximum nesting depth exceeded/);
    // 100,000 nested groups in an unknown field
    const groups = Uint8Array.from([...new Array(100_000).fill([0x9b, 0x06]).flat(), ...new Array(100_000).fill([0x9c, 0x06]).flat()]);
    expect(bad(groups)).toMatch(/corrupt protobuf\): maximum nesting depth exceeded/);
  });
});

/** A one-node model whose graph has the given TensorProto bytes as its initializer. */
function withInitializer(tensor: Uint8Array): Uint8Array {
  const graph = pb.GraphProto.encode({ node: [{ opType: 'Relu' }], output: [{ name: 'y' }] }).finish();
  return Uint8Array.from([0x08, 8, ...wrap(7, Uint8Array.from([...graph, ...wrap(5, tensor)]))]);
}

function wrap(field: number, inner: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(inner.length), ...inner]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
