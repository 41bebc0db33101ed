// The part of onnx/onnx.proto (IR version 8) that doubleq reads and writes, as a protobufjs JSON
// descriptor (decoded and encoded by protobufjs/light in src/onnx/decode.ts), and the decoded
// objects' types. Names and field numbers are onnx.proto's (checked against the compiled
// onnx.proto of the onnx-proto dev dependency in test/unit/onnx/onnx-codec.test.ts). Fields not
// listed (sparse tensors, training info, functions, non-tensor types) are skipped when read.
// Repeated numbers are written packed (onnx.proto is proto2, whose readers take both forms).

import type { INamespace } from 'protobufjs/light.js';

/** An int64 as decoded: a number when exact, else a bigint. */
export type Int64 = number | bigint;

type FieldDef = { id: number; type: string; rule?: 'repeated'; options?: { packed: true } };
const NUMERIC = new Set(['int32', 'int64', 'uint64', 'float', 'double']);
/** Field `id` of `type`; repeated numbers packed. */
const f = (id: number, type: string, repeated = false): FieldDef =>
  repeated ? { id, type, rule: 'repeated', ...(NUMERIC.has(type) ? { options: { packed: true } } : {}) } : { id, type };
const R = true;

export const ONNX_DESCRIPTOR: INamespace = { nested: { onnx: { nested: {
  ModelProto: { fields: { irVersion: f(1, 'int64'), producerName: f(2, 'string'), producerVersion: f(3, 'string'), domain: f(4, 'string'), modelVersion: f(5, 'int64'),
    docString: f(6, 'string'), graph: f(7, 'GraphProto'), opsetImport: f(8, 'OperatorSetIdProto', R), metadataProps: f(14, 'StringStringEntryProto', R) } },
  OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
  StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
  GraphProto: { fields: { node: f(1, 'NodeProto', R), name: f(2, 'string'), initializer: f(5, 'TensorProto', R), docString: f(10, 'string'),
    input: f(11, 'ValueInfoProto', R), output: f(12, 'ValueInfoProto', R), valueInfo: f(13, 'ValueInfoProto', R) } },
  NodeProto: { fields: { input: f(1, 'string', R), output: f(2, 'string', R), name: f(3, 'string'), opType: f(4, 'string'), attribute: f(5, 'AttributeProto', R),
    docString: f(6, 'string'), domain: f(7, 'string') } },
  AttributeProto: { fields: { name: f(1, 'string'), f: f(2, 'float'), i: f(3, 'int64'), s: f(4, 'bytes'), t: f(5, 'TensorProto'), g: f(6, 'GraphProto'),
    floats: f(7, 'float', R), ints: f(8, 'int64', R), strings: f(9, 'bytes', R), tensors: f(10, 'TensorProto', R), graphs: f(11, 'GraphProto', R),
    docString: f(13, 'string'), type: f(20, 'int32'), refAttrName: f(21, 'string') } },
  ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto'), docString: f(3, 'string') } },
  TypeProto: { fields: { tensorType: f(1, 'TypeProto.Tensor'), denotation: f(6, 'string') },
    nested: { Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } } } },
  TensorShapeProto: { fields: { dim: f(1, 'TensorShapeProto.Dimension', R) },
    nested: { Dimension: { fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string'), denotation: f(3, 'string') } } } },
  TensorProto: { fields: { dims: f(1, 'int64', R), dataType: f(2, 'int32'), floatData: f(4, 'float', R), int32Data: f(5, 'int32', R), stringData: f(6, 'bytes', R),
    int64Data: f(7, 'int64', R), name: f(8, 'string'), rawData: f(9, 'bytes'), doubleData: f(10, 'double', R), uint64Data: f(11, 'uint64', R),
    docString: f(12, 'string'), externalData: f(13, 'StringStringEntryProto', R), dataLocation: f(14, 'int32') } },
} } } };

/** AttributeProto.AttributeType */
export const AttributeType = { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14 } as const;
/** TensorProto.DataLocation */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

// Decoded objects (every field present; written objects may leave any out).
export interface StringStringEntryProto { key?: string; value?: string }
export interface OperatorSetIdProto { domain?: string; version?: Int64 }
export interface Dimension { dimValue?: Int64; dimParam?: string; denotation?: string }
export interface TensorShapeProto { dim?: Dimension[] }
export interface TypeProto { tensorType?: { elemType?: number; shape?: TensorShapeProto | null } | null; denotation?: string }
export interface ValueInfoProto { name?: string; type?: TypeProto | null; docString?: string }
export interface TensorProto {
  dims?: Int64[]; dataType?: number; floatData?: number[]; int32Data?: number[]; stringData?: Uint8Array[]; int64Data?: Int64[]; name?: string;
  rawData?: Uint8Array; doubleData?: number[]; uint64Data?: Int64[]; docString?: string; externalData?: StringStringEntryProto[]; dataLocation?: number;
}
export interface AttributeProto {
  name?: string; f?: number; i?: Int64; s?: Uint8Array; t?: TensorProto | null; g?: GraphProto | null; floats?: number[]; ints?: Int64[]; strings?: Uint8Array[];
  tensors?: TensorProto[]; graphs?: GraphProto[]; docString?: string; type?: number; refAttrName?: string;
}
export interface NodeProto { input?: string[]; output?: string[]; name?: string; opType?: string; attribute?: AttributeProto[]; docString?: string; domain?: string }
export interface GraphProto { node?: NodeProto[]; name?: string; initializer?: TensorProto[]; docString?: string; input?: ValueInfoProto[]; output?: ValueInfoProto[]; valueInfo?: ValueInfoProto[] }
export interface ModelProto {
  irVersion?: Int64; producerName?: string; producerVersion?: string; domain?: string; modelVersion?: Int64; docString?: string; graph?: GraphProto | null;
  opsetImport?: OperatorSetIdProto[]; metadataProps?: StringStringEntryProto[];
}
