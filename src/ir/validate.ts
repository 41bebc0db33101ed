// The graph validator: run by the importer node by node (before any constant is folded, so a
// hostile shape is refused before it is allocated) and on the whole graph after import and
// after every pass. It checks what the ops themselves take for granted:
//   - one producer per value, every input defined before it is read;
//   - the dtype of every input of every op (table below);
//   - every inferred shape positive and within src/core/limits.ts, re-inferred equal to the graph's;
//   - attributes in range (windows, groups).
// Every error is a ModelError that names the node and, where it is about one, the input.

import { checkLimit, elementsOf, LIMITS, limitMessage } from '../core/limits.js';
import { ModelError } from './errors.js';
import type { Graph, Node, ValueInfo } from './graph.js';
import { shapeStr, type DType, type Tensor } from './tensor.js';

/** What the validator needs of an op (src/ops/op.ts OpDef, structurally: ir sits below ops). */
export interface OpShapes {
  readonly arity: readonly [number, number];
  infer(inputs: readonly (ValueInfo | undefined)[], consts: readonly (Tensor | undefined)[], attrs: never): ValueInfo[];
}
export interface OpTable {
  get(op: string): OpShapes | undefined;
}

/** A problem found by a per-node check; the caller adds the node. */
export class NodeCheckError extends Error {
  override readonly name = 'NodeCheckError';
}

/** The 2-D window of Conv / MaxPool / AveragePool attributes (src/ops/window.ts Window2d). */
interface Window {
  kh: number; kw: number; strideH: number; strideW: number; dilationH: number; dilationW: number;
  pads: readonly number[]; autoPad: string;
}

type Allowed = readonly DType[] | null; // null: any dtype
const F: Allowed = ['float32'];
const INT: Allowed = ['int64', 'int32'];
const I64: Allowed = ['int64'];
const FI: Allowed = ['float32', 'int64'];

/**
 * Accepted dtypes per input position of each op (doubleq's float path is float32; integer
 * tensors appear only as shape arithmetic and op parameters). An op missing here gets no
 * dtype check: a new op adds its row.
 */
export const INPUT_DTYPES: Readonly<Record<string, readonly Allowed[]>> = {
  Add: [FI, FI], AveragePool: [F], BatchNormalization: [F, F, F, F, F], Clip: [F, F, F],
  Concat: [], Constant: [], Conv: [F, F, F], Flatten: [FI], Gather: [null, INT], Gemm: [F, F, F],
  GlobalAveragePool: [F], Identity: [null], MatMul: [F, F], MaxPool: [F], Pad: [F, I64, F, INT],
  Relu: [F], Reshape: [FI, I64], Shape: [null], Slice: [FI, INT, INT, INT, INT], Unsqueeze: [FI, I64],
  // issue 12
  Dropout: [F, F, ['bool']], Elu: [F], HardSigmoid: [F], HardSwish: [F], LeakyRelu: [F], Mul: [F, F], Sigmoid: [F],
  Softmax: [F], Tanh: [F], Transpose: [F], Abs: [F], Neg: [F], Selu: [F], Softplus: [F],
};

const fail = (msg: string): never => {
  throw new NodeCheckError(msg);
};

/** Before inference: the dtype of each input (NodeCheckError; the importer adds the node). */
export function checkNodeInputs(op: string, inputs: readonly string[], infos: readonly (ValueInfo | undefined)[]): void {
  const table = INPUT_DTYPES[op];
  if (!table) return;
  infos.forEach((v, i) => {
    if (!v) return;
    const allowed = table[i] ?? table[table.length - 1] ?? null; // variadic ops repeat the last row
    if (allowed && !allowed.includes(v.dtype)) fail(`input ${i} '${inputs[i]}' is ${v.dtype}, expected ${allowed.join(' or ')}`);
    if (v.shape.length > LIMITS.rank.hi) fail(`input ${i} '${inputs[i]}' has rank ${v.shape.length}, more than ${LIMITS.rank.hi}`);
  });
}

function isWindow(w: unknown): w is Window {
  return typeof w === 'object' && w !== null && 'kh' in w && 'strideH' in w && 'pads' in w && 'autoPad' in w;
}

/** Total pad of one axis under auto_pad SAME_* (ONNX: out = ceil(in / stride)). */
function samePad(inp: number, k: number, s: number, d: number): number {
  return Math.max(0, (Math.ceil(inp / s) - 1) * s + (k - 1) * d + 1 - inp);
}

/** Attributes in range; with the input shapes, the pads auto_pad resolves to as well. */
export function checkNodeAttrs(attrs: unknown, infos: readonly (ValueInfo | undefined)[]): void {
  const a = attrs as { window?: unknown; group?: number };
  if (a && isWindow(a.window)) {
    const w = a.window;
    checkLimit('kernel', w.kh, 'kernel height', fail); checkLimit('kernel', w.kw, 'kernel width', fail);
    checkLimit('stride', w.strideH, 'stride (height)', fail); checkLimit('stride', w.strideW, 'stride (width)', fail);
    checkLimit('dilation', w.dilationH, 'dilation (height)', fail); checkLimit('dilation', w.dilationW, 'dilation (width)', fail);
    w.pads.forEach((p, i) => checkLimit('pad', p, `pads[${i}]`, fail));
    const x = infos[0];
    if (x && x.shape.length === 4 && w.autoPad.startsWith('SAME')) {
      const ph = samePad(x.shape[2]!, w.kh, w.strideH, w.dilationH), pw = samePad(x.shape[3]!, w.kw, w.strideW, w.dilationW);
      for (const p of [ph - (ph >> 1), pw - (pw >> 1)]) checkLimit('pad', p, 'a pad resolved from auto_pad', fail);
    }
  }
  if (a && typeof a.group === 'number') checkLimit('channels', a.group, 'group', fail);
}

/**
 * A value's shape: activations have every axis in the dim limit and at most batch * elementsPerImage
 * elements; constants (folded or initializers) at most constElements.
 */
export function checkShape(v: ValueInfo, name: string, batch: number, constant: boolean): void {
  const s = v.shape;
  if (s.length > LIMITS.rank.hi) fail(`'${name}' has rank ${s.length}, more than ${LIMITS.rank.hi}`);
  for (const [i, d] of s.entries()) {
    if (!Number.isSafeInteger(d) || d < (constant ? 0 : 1) || d > LIMITS.dim.hi)
      fail(`'${name}' has shape ${shapeStr(s)}: axis ${i} = ${d} ${d < 1 ? 'is not positive' : 'exceeds'} (dim limit [${constant ? 0 : 1}, 2^24])`);
  }
  const n = elementsOf(s);
  if (constant) checkLimit('constElements', n, `elements of '${name}' ${shapeStr(s)}`, fail);
  else if (n > batch * LIMITS.elementsPerImage.hi) fail(limitMessage('elementsPerImage', n / batch, `elements per image of '${name}' ${shapeStr(s)}`));
}

/** Channel counts of the layers the integer path lowers (the .dq geometry limits). */
function checkLayer(op: string, infos: readonly (ValueInfo | undefined)[], outs: readonly ValueInfo[]): void {
  if (op === 'Conv' && infos[0]?.shape.length === 4 && outs[0]?.shape.length === 4) {
    checkLimit('channels', infos[0].shape[1]!, 'input channels', fail);
    checkLimit('channels', outs[0].shape[1]!, 'output channels', fail);
  }
  if ((op === 'Gemm' || op === 'MatMul') && outs[0]?.shape.length === 2) checkLimit('channels', outs[0].shape[1]!, 'output features', fail);
}

/** After inference: attributes, then every output shape (NodeCheckError; the importer adds the node). */
export function checkNodeOutputs(op: string, attrs: unknown, infos: readonly (ValueInfo | undefined)[], outputs: readonly string[], outs: readonly ValueInfo[], batch: number, folded: boolean): void {
  checkNodeAttrs(attrs, infos);
  outs.forEach((v, k) => checkShape(v, outputs[k]!, batch, folded));
  checkLayer(op, infos, outs);
}

const nodeWhere = (n: Node) => `node '${n.name}' (${n.op})`;

/** The whole graph; `stage` names where it is checked ('import', 'after pass fold-batch-norm'). */
export function validateGraph(g: Graph, stage: string, ops: OpTable): void {
  const bad = (msg: string): never => {
    throw new ModelError(`${stage}: ${msg}`);
  };
  if (!Number.isInteger(g.batch) || g.batch < LIMITS.batch.lo || g.batch > LIMITS.batch.hi) bad(limitMessage('batch', g.batch, 'batch'));
  if (g.nodes.length > LIMITS.nodes.hi) bad(limitMessage('nodes', g.nodes.length, 'node count'));
  const producer = new Map<string, string>();
  for (const i of g.inputs) producer.set(i.name, 'graph input');
  for (const c of g.constants.keys()) {
    if (producer.has(c)) bad(`'${c}' is both a graph input and a constant`);
    producer.set(c, 'constant');
  }
  for (const [name, t] of g.constants) {
    try { checkShape(t, name, g.batch, true); } catch (e) { bad(`constant ${(e as Error).message}`); }
  }
  for (const i of g.inputs) {
    try { checkShape(i, i.name, g.batch, false); } catch (e) { bad(`graph input ${(e as Error).message}`); }
  }
  for (const n of g.nodes) {
    const where = nodeWhere(n);
    const op = ops.get(n.op) ?? bad(`${where}: unknown op`);
    try {
      if (n.inputs.length < op.arity[0] || n.inputs.length > op.arity[1]) fail(`takes ${op.arity[0]}..${op.arity[1]} inputs, got ${n.inputs.length}`);
      n.inputs.forEach((v, i) => {
        if (v && !producer.has(v)) fail(`input ${i} '${v}' is not produced before this node`);
      });
      const infos = n.inputs.map((v) => (v ? g.values.get(v) ?? fail(`input '${v}' has no shape`) : undefined));
      checkNodeInputs(n.op, n.inputs, infos);
      const consts: (Tensor | undefined)[] = n.inputs.map((v) => (v ? g.constants.get(v) : undefined));
      const inferred = op.infer(infos, consts, n.attrs as never);
      n.outputs.forEach((o, k) => {
        if (producer.has(o)) fail(`output '${o}' is already written by ${producer.get(o)} (one producer per value)`);
        producer.set(o, where);
        const v = g.values.get(o) ?? fail(`output '${o}' has no shape`);
        const want = inferred[k]!;
        if (v.dtype !== want.dtype || v.shape.length !== want.shape.length || v.shape.some((d, i) => d !== want.shape[i]))
          fail(`output '${o}' is recorded as ${v.dtype} ${shapeStr(v.shape)} but the op gives ${want.dtype} ${shapeStr(want.shape)}`);
      });
      checkNodeOutputs(n.op, n.attrs, infos, n.outputs, inferred, g.batch, false);
    } catch (e) {
      // an op's own OpError (from infer) is recognised by name: ir sits below ops
      if (e instanceof NodeCheckError || e instanceof ModelError || (e as Error)?.name === 'OpError') bad(`${where}: ${(e as Error).message}`);
      throw e;
    }
  }
  for (const o of g.outputs) if (!producer.has(o.name)) bad(`graph output '${o.name}' is not produced by any node`);
}

const ITEM_BYTES: Record<DType, number> = { float32: 4, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };
const bytesOf = (v: ValueInfo) => elementsOf(v.shape) * ITEM_BYTES[v.dtype];

/**
 * Peak bytes of tensors a float run holds at once: constants, inputs, and each node's outputs
 * from the node that writes them to their last reader (the float executor frees them there).
 */
export function floatPeakBytes(g: Graph): number {
  const last = new Map<string, number>();
  g.nodes.forEach((n, i) => n.inputs.forEach((v) => v && !g.constants.has(v) && last.set(v, i)));
  for (const o of g.outputs) last.set(o.name, Infinity);
  let live = 0;
  for (const t of g.constants.values()) live += bytesOf(t);
  for (const i of g.inputs) live += bytesOf(i);
  let peak = live;
  g.nodes.forEach((n, i) => {
    for (const o of n.outputs) live += bytesOf(g.values.get(o) ?? { dtype: 'float32', shape: [] });
    peak = Math.max(peak, live);
    for (const v of new Set(n.inputs)) if (v && last.get(v) === i) live -= bytesOf(g.values.get(v)!);
  });
  return peak;
}

/** Before a float run allocates anything: its tensors must fit the memoryBytes limit. */
export function checkFloatMemory(g: Graph): void {
  const need = floatPeakBytes(g);
  if (need > LIMITS.memoryBytes.hi)
    throw new ModelError(`a float run of '${g.name}' at batch ${g.batch} needs ${(need / 2 ** 20).toFixed(0)} MiB of tensors at once, more than the ${LIMITS.memoryBytes.hi / 2 ** 20} MiB limit (memoryBytes): use a smaller batch`);
}
