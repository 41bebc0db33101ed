// Builds small ONNX models in tests (encoded with the same onnx-proto schema the importer uses).

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

// protobufjs encodes the test models: an encoder independent of the importer's own decoder
const onnx = (onnxProto as unknown as typeof import('onnx-proto')).onnx;

export interface TensorSpec { name: string; dims: number[]; data: number[] | Float32Array; type?: 'float' | 'int64' }
export interface NodeSpec { op: string; inputs: string[]; outputs: string[]; name?: string; attrs?: Record<string, number | number[] | string | { floats: number[] } | { tensor: TensorSpec }>; domain?: string }
export interface ModelSpec {
  inputs: { name: string; dims: (number | string)[]; type?: number }[];
  outputs: { name: string; dims?: (number | string)[] }[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  opset?: number;
}

export function tensorProto(t: TensorSpec): OnnxTypes.ITensorProto {
  if (t.type === 'int64') return { name: t.name, dims: t.dims, dataType: 7, int64Data: Array.from(t.data) };
  const f = Float32Array.from(t.data);
  return { name: t.name, dims: t.dims, dataType: 1, rawData: new Uint8Array(f.buffer) };
}

function attr(name: string, v: NonNullable<NodeSpec['attrs']>[string]): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: tensorProto(v.tensor) };
}

function valueInfo(name: string, dims: (number | string)[] | undefined, elemType = 1): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined } },
  };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const model: OnnxTypes.IModelProto = {
    irVersion: 7,
    producerName: 'doubleq-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      input: spec.inputs.map((i) => valueInfo(i.name, i.dims, i.type)),
      output: spec.outputs.map((o) => valueInfo(o.name, o.dims)),
      initializer: (spec.initializers ?? []).map(tensorProto),
      node: spec.nodes.map((n, k) => ({
        name: n.name ?? `${n.op}_${k}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k2, v]) => attr(k2, v)),
      })),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model as OnnxTypes.ModelProto)).finish();
}

/** Repo-root-relative path of ../shared, beside the checkout (as in CI). */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
