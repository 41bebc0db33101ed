// The part of onnx/onnx.proto (IR version 8) that doubleq reads and writes, as field tables for
// src/onnx/proto-wire.ts, and the decoded objects' types. Field numbers are onnx.proto's (checked
// against protobufjs's compiled schema in test/unit/onnx/proto-wire.test.ts). Fields not listed
// (sparse tensors, training info, functions, non-tensor types) are skipped when read.

import type { Int64, Schema } from './proto-wire.js';

export const ONNX_SCHEMA: Schema = {
  ModelProto: { 1: ['irVersion', 'int64'], 2: ['producerName', 'string'], 3: ['producerVersion', 'string'], 4: ['domain', 'string'], 5: ['modelVersion', 'int64'],
    6: ['docString', 'string'], 7: ['graph', 'GraphProto'], 8: ['opsetImport', 'OperatorSetIdProto', true], 14: ['metadataProps', 'StringStringEntryProto', true] },
  OperatorSetIdProto: { 1: ['domain', 'string'], 2: ['version', 'int64'] },
  StringStringEntryProto: { 1: ['key', 'string'], 2: ['value', 'string'] },
  GraphProto: { 1: ['node', 'NodeProto', true], 2: ['name', 'string'], 5: ['initializer', 'TensorProto', true], 10: ['docString', 'string'],
    11: ['input', 'ValueInfoProto', true], 12: ['output', 'ValueInfoProto', true], 13: ['valueInfo', 'ValueInfoProto', true] },
  NodeProto: { 1: ['input', 'string', true], 2: ['output', 'string', true], 3: ['name', 'string'], 4: ['opType', 'string'], 5: ['attribute', 'AttributeProto', true],
    6: ['docString', 'string'], 7: ['domain', 'string'] },
  AttributeProto: { 1: ['name', 'string'], 2: ['f', 'float'], 3: ['i', 'int64'], 4: ['s', 'bytes'], 5: ['t', 'TensorProto'], 6: ['g', 'GraphProto'],
    7: ['floats', 'float', true], 8: ['ints', 'int64', true], 9: ['strings', 'bytes', true], 10: ['tensors', 'TensorProto', true], 11: ['graphs', 'GraphProto', true],
    13: ['docString', 'string'], 20: ['type', 'int32'], 21: ['refAttrName', 'string'] },
  ValueInfoProto: { 1: ['name', 'string'], 2: ['type', 'TypeProto'], 3: ['docString', 'string'] },
  TypeProto: { 1: ['tensorType', 'TypeProtoTensor'], 6: ['denotation', 'string'] },
  TypeProtoTensor: { 1: ['elemType', 'int32'], 2: ['shape', 'TensorShapeProto'] },
  TensorShapeProto: { 1: ['dim', 'Dimension', true] },
  Dimension: { 1: ['dimValue', 'int64'], 2: ['dimParam', 'string'], 3: ['denotation', 'string'] },
  TensorProto: { 1: ['dims', 'int64', true], 2: ['dataType', 'int32'], 4: ['floatData', 'float', true], 5: ['int32Data', 'int32', true], 6: ['stringData', 'bytes', true],
    7: ['int64Data', 'int64', true], 8: ['name', 'string'], 9: ['rawData', 'bytes'], 10: ['doubleData', 'double', true], 11: ['uint64Data', 'uint64', true],
    12: ['docString', 'string'], 13: ['externalData', 'StringStringEntryProto', true], 14: ['dataLocation', 'int32'] },
};

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
