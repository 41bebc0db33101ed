// ONNX ModelProto -> Graph: validates every node, folds constant subgraphs (shape arithmetic
// as PyTorch exports it: Shape, Gather, Unsqueeze, Concat on constants) and infers every
// shape for one fixed batch size.

import { limitMessage, withinLimit } from '../core/limits.js';
import { ModelError } from '../ir/errors.js';
import type { Graph, Node, Value, ValueInfo } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { OpError } from '../ops/op.js';
import { OPS } from '../ops/registry.js';
import { checkNodeInputs, checkNodeOutputs, checkShape, NodeCheckError, validateGraph } from '../ir/validate.js';
import { AttrReader, type AttrValue } from '../ops/attributes.js';
import { AttributeType, decodeOnnx, dtypeOf, tensorFromProto, toNumber, type OnnxModel } from './decode.js';
import type { AttributeProto, ValueInfoProto } from './onnx-schema.js';

export interface ImportOptions {
  /** Batch size the shapes are inferred for (the model's dynamic first input axis). Default 1. */
  batch?: number;
}

/** The batch size fixed in the model's first input, or undefined when the batch axis is dynamic. */
export function fixedBatch(model: OnnxModel): number | undefined {
  const inputs = graphInputs(model);
  const d = inputs[0]?.type?.tensorType?.shape?.dim?.[0];
  return d && d.dimValue != null && !d.dimParam ? toNumber(d.dimValue) : undefined;
}

function graphInputs(model: OnnxModel): ValueInfoProto[] {
  const g = model.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((i) => !inits.has(i.name));
}

function opsetOf(model: OnnxModel): number {
  for (const o of model.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') return toNumber(o.version);
  throw new ModelError('the model imports no default-domain (ai.onnx) opset');
}

export function importOnnxBytes(bytes: Uint8Array, opts: ImportOptions = {}): Graph {
  return importOnnx(decodeOnnx(bytes), opts);
}

export function importOnnx(model: OnnxModel, opts: ImportOptions = {}): Graph {
  const batch = opts.batch ?? fixedBatch(model) ?? 1;
  if (!withinLimit('batch', batch)) throw new ModelError(limitMessage('batch', batch, 'batch'));
  const g = model.graph!;
  const opset = opsetOf(model);
  const constants = new Map<string, Tensor>();
  const values = new Map<string, Value>();
  const define = (name: string, v: ValueInfo) => values.set(name, { name, dtype: v.dtype, shape: [...v.shape] });

  for (const t of g.initializer ?? []) {
    const c = tensorFromProto(t, 'initializer');
    constants.set(t.name!, c);
    define(t.name!, c);
  }

  const inputs: Value[] = [];
  for (const vi of graphInputs(model)) {
    const tt = vi.type?.tensorType;
    if (!tt) throw new ModelError(`input '${vi.name}' is not a tensor`);
    const dims = tt.shape?.dim ?? [];
    const shape = dims.map((d, axis) => {
      if (d.dimValue != null && !d.dimParam) {
        const v = toNumber(d.dimValue);
        if (axis === 0 && v !== batch) throw new ModelError(`input '${vi.name}' has a fixed batch of ${v}; run it with batch ${v}`);
        return v;
      }
      if (axis === 0) return batch;
      throw new ModelError(`input '${vi.name}' has a symbolic dimension '${d.dimParam ?? '?'}' at axis ${axis}; only the batch axis may be dynamic`);
    });
    const v: Value = { name: vi.name!, dtype: dtypeOf(tt.elemType ?? 0, `input '${vi.name}'`), shape };
    if (values.has(v.name)) throw new ModelError(`input '${v.name}' is declared twice`);
    try {
      checkShape(v, v.name, batch, false);
    } catch (e) {
      throw new ModelError(`input ${(e as Error).message}`);
    }
    inputs.push(v);
    values.set(v.name, v);
  }
  if (inputs.length === 0) throw new ModelError('the model has no (non-initializer) inputs');

  checkSupportedOps(g.node ?? []);
  const nodes: Node[] = [];
  (g.node ?? []).forEach((n, idx) => {
    const name = n.name || `${n.opType}_${idx}`;
    const where = `node '${name}' (${n.opType})`;
    if (n.domain && n.domain !== 'ai.onnx') throw new ModelError(`unsupported op '${n.domain}:${n.opType}' in node '${name}'`);
    const op = OPS.get(n.opType ?? '');
    if (!op) throw new ModelError(`unsupported op '${n.opType}' in node '${name}'`);
    const ins = n.input ?? [];
    const outs = n.output ?? [];
    try {
      if (ins.length < op.arity[0] || ins.length > op.arity[1])
        throw new OpError(`takes ${op.arity[0]}..${op.arity[1]} inputs, got ${ins.length}`);
      const maxOut = op.outputs ?? 1;
      if (outs.length === 0) throw new OpError('has no outputs');
      if (outs.slice(maxOut).some((o) => o)) throw new OpError(`only the first ${maxOut} output(s) are supported, got ${outs.length}`);
      for (const i of ins) if (i && !values.has(i)) throw new OpError(`input '${i}' is not produced by an earlier node, an initializer or a graph input`);

      const reader = new AttrReader(readAttrs(n.attribute ?? [], where));
      const attrs = op.parse(reader, opset);
      const unread = reader.unread();
      if (unread.length) throw new OpError(`unsupported attribute(s): ${unread.join(', ')}`);

      const infos = ins.map((i) => (i ? values.get(i) : undefined));
      const consts = ins.map((i) => (i ? constants.get(i) : undefined));
      const allConst = ins.every((i, k) => !i || consts[k]);
      const outputs = outs.slice(0, maxOut);
      for (const o of outputs) if (values.has(o)) throw new OpError(`output '${o}' is already written by an earlier node, an initializer or a graph input (one producer per value)`);
      // dtypes, shapes and attributes are checked before anything is folded (allocated)
      checkNodeInputs(op.type, ins, infos);
      const inferred = op.foldFromShapes ? undefined : op.infer(infos, consts, attrs);
      if (inferred) checkNodeOutputs(op.type, attrs, infos, outputs, inferred, batch, allConst);
      const folded = op.foldFromShapes ? op.foldFromShapes(infos, attrs) : allConst ? op.run(consts, attrs) : undefined;
      if (folded) {
        outputs.forEach((o, k) => {
          constants.set(o, folded[k]!);
          define(o, folded[k]!);
        });
        return;
      }
      outputs.forEach((o, k) => define(o, inferred![k]!));
      nodes.push({ name, op: op.type, inputs: ins.slice(), outputs, attrs });
    } catch (e) {
      if (e instanceof OpError || e instanceof NodeCheckError || (e instanceof ModelError && !e.message.startsWith('node '))) throw new ModelError(`${where}: ${e.message}`);
      throw e;
    }
  });

  const outputs = (g.output ?? []).map((o) => {
    const v = values.get(o.name!);
    if (!v) throw new ModelError(`graph output '${o.name}' is not produced by any node`);
    return v;
  });

  // Keep only the constants that remaining nodes read (the folded shape arithmetic goes away).
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const k of [...constants.keys()]) if (!used.has(k) && !outputs.some((o) => o.name === k)) constants.delete(k);
  for (const k of [...values.keys()]) if (!used.has(k) && !nodes.some((n) => n.outputs.includes(k)) && !inputs.some((i) => i.name === k) && !outputs.some((o) => o.name === k)) values.delete(k);

  const graph: Graph = { name: g.name || 'model', batch, inputs, outputs, nodes, values, constants };
  validateGraph(graph, 'import', OPS);
  return graph;
}

function readAttrs(list: AttributeProto[], where: string): Map<string, AttrValue> {
  const T = AttributeType;
  const m = new Map<string, AttrValue>();
  const dec = new TextDecoder();
  for (const a of list) {
    const name = a.name ?? '';
    switch (a.type) {
      case T.INT: m.set(name, { kind: 'int', value: toNumber(a.i) }); break;
      case T.INTS: m.set(name, { kind: 'ints', value: (a.ints ?? []).map((v) => toNumber(v)) }); break;
      case T.FLOAT: m.set(name, { kind: 'float', value: a.f ?? 0 }); break;
      case T.FLOATS: m.set(name, { kind: 'floats', value: a.floats ?? [] }); break;
      case T.STRING: m.set(name, { kind: 'string', value: dec.decode(a.s ?? new Uint8Array()) }); break;
      case T.STRINGS: m.set(name, { kind: 'strings', value: (a.strings ?? []).map((s) => dec.decode(s)) }); break;
      case T.TENSOR: m.set(name, { kind: 'tensor', value: tensorFromProto(a.t ?? {}, `${where} attribute '${name}'`) }); break;
      default: m.set(name, { kind: 'other', value: String(a.type) });
    }
  }
  return m;
}

const QUANTIZED_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger']);

/** Every unsupported op of the model in one message; an already-quantized model is told so. */
function checkSupportedOps(nodes: readonly { opType?: string | null; domain?: string | null; name?: string | null }[]): void {
  const bad = new Map<string, string[]>();
  nodes.forEach((n, idx) => {
    const custom = !!n.domain && n.domain !== 'ai.onnx';
    if (!custom && OPS.has(n.opType ?? '')) return;
    const op = custom ? `${n.domain}:${n.opType}` : `${n.opType}`;
    bad.set(op, [...(bad.get(op) ?? []), n.name || `${n.opType}_${idx}`]);
  });
  if (bad.size === 0) return;
  const list = [...bad].map(([op, names]) => `'${op}' in node${names.length > 1 ? 's' : ''} ${names.slice(0, 3).map((x) => `'${x}'`).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`);
  const quantized = [...bad.keys()].filter((op) => QUANTIZED_OPS.has(op));
  const hint = quantized.length
    ? `; this model is already quantized (${quantized.join(', ')}): doubleq takes float models and quantizes them itself (doubleq quantize)`
    : '';
  throw new ModelError(`unsupported op${bad.size > 1 ? 's' : ''} ${list.join('; ')}${hint}`);
}
