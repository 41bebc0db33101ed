// The QDQ emitters of the ops issue 12 added (src/ir/qgraph-ops.ts) and of the edge layout
// Transposes, for src/format/export-qdq.ts. Each re-emits the float model's op between the
// DequantizeLinear of its inputs and the QuantizeLinear of its output, at doubleq's own scales
// and zero points; onnxruntime then computes the op in float and rounds once, where doubleq
// uses a table or fixed-point arithmetic (agreement measured in test/e2e/export-qdq-nets.test.ts).
//  - lut: the float op the table was built from (Sigmoid, HardSigmoid, LeakyRelu, Tanh, Elu,
//    Selu, Softplus, Abs, Neg, a Relu / Clip fusion left alone, Add / Mul of a scalar constant
//    as a float32 scalar initializer); HardSwish (opset 14) as its ONNX function body,
//    x * HardSigmoid(x; 1/6, 1/2). Ops with attributes copy them from the float ONNX node.
//    A concat's requantizing table (`<concat>/requant<k>`) is a DequantizeLinear straight into
//    the QuantizeLinear of the concat's scale.
//  - avgpool: AveragePool with the resolved pads, count_include_pad, and ceil_mode when it adds
//    rows / columns (ceilExtra); concat: Concat along the float axis, one per kernel link
//    (`<concat>/part<k>`, each a prefix of the inputs); mul: Mul (ONNX broadcasting covers
//    squeeze-excitation); softmax: Softmax over the float node's axis (an opset < 13 Softmax
//    over several axes as Flatten, Softmax, Reshape), output at 1/256, zero point -128.
//  - reshape from a Transpose (the NHWC input, an NHWC output): the Transpose itself.

import type { Graph, Node } from '../ir/graph.js';
import { ModelError } from '../ir/errors.js';
import type { QNodeExtra, QReshape } from '../ir/qgraph.js';
import { AttributeType } from '../onnx/decode.js';
import type { AttributeProto, NodeProto } from '../onnx/onnx-schema.js';
import { clipBounds, type ClipAttrs } from '../ops/clip.js';
import type { ConcatAttrs } from '../ops/concat.js';
import { softmaxSplit, type SoftmaxAttrs } from '../ops/softmax.js';
import type { TransposeAttrs } from '../ops/transpose.js';

/** An ONNX attribute value: int, ints, string, or a float. */
export type Attr = number | number[] | string | { float: number };

/** What the emitters need of export-qdq.ts's graph under construction. */
export interface QdqEmitter {
  g: Graph;
  addNode(op: string, name: string, inputs: string[], outputs: string[], attrs?: Record<string, Attr> | AttributeProto[]): void;
  f32Init(name: string, dims: number[], v: ArrayLike<number>): string;
  i64Init(name: string, v: number[]): string;
  /** a new DequantizeLinear of value v; returns the float tensor */
  input(v: string): string;
  /** the QuantizeLinear of value v after its producer wrote `src` (default floatOut(v)) */
  produced(v: string, src?: string): void;
  /** the name the producer of value v writes its float result to */
  floatOut(v: string): string;
  /** the float node of this name, or undefined */
  floatNode(name: string): Node | undefined;
  /** the float model's ONNX node of this name (for attributes the Graph keeps only as a function), if given */
  onnxNode(name: string): NodeProto | undefined;
  mismatch(msg: string): never;
}

/** Unary ops the Graph keeps only as a function: their attributes come from the ONNX node. */
const WITH_ATTRIBUTES = new Set(['HardSigmoid', 'LeakyRelu', 'Elu', 'Selu']);
/** Unary ops of opset 13 with no attributes. */
const PLAIN_UNARY = new Set(['Sigmoid', 'Tanh', 'Softplus', 'Abs', 'Neg', 'Relu']);

const HARD_SWISH_ALPHA = Math.fround(1 / 6);

/** Relu or Clip `act` (a float model node) from float tensor `pre` to `out`. */
export function emitClamp(e: QdqEmitter, act: Node, pre: string, out: string): void {
  if (act.op === 'Relu') {
    e.addNode('Relu', act.name, [pre], [out]);
    return;
  }
  const c = (i: number) => (act.inputs[i] ? e.g.constants.get(act.inputs[i]!) : undefined);
  const [lo, hi] = clipBounds(act.attrs as ClipAttrs, c(1), c(2));
  const mn = Number.isFinite(lo) ? e.f32Init(`${act.name}_min`, [], [lo]) : '';
  const mx = Number.isFinite(hi) ? e.f32Init(`${act.name}_max`, [], [hi]) : '';
  const ins = [pre, mn, mx];
  while (ins[ins.length - 1] === '') ins.pop(); // trailing optional inputs are dropped, inner ones are ''
  e.addNode('Clip', act.name, ins, [out]);
}

const fail = (n: { name: string }, msg: string): never => {
  throw new ModelError(`node '${n.name}': ${msg}`);
};

/** The float node a QNode derives from: itself, or the `<base>/<suffix><k>` part of one. */
function baseNode(e: QdqEmitter, name: string, suffix: string): Node | undefined {
  const m = new RegExp(`^(.*)/${suffix}\\d+$`).exec(name);
  return m ? e.floatNode(m[1]!) : undefined;
}

/** Emits QNode `n` (an issue-12 op); its output's QuantizeLinear included. */
export function emitExtra(e: QdqEmitter, n: QNodeExtra): void {
  const x = n.inputs[0]!, y = n.outputs[0]!;
  switch (n.op) {
    case 'lut': {
      const f = e.floatNode(n.name);
      if (!f) {
        const cat = baseNode(e, n.name, 'requant');
        if (cat?.op !== 'Concat') e.mismatch(`node '${n.name}' is not in the float model`);
        e.produced(y, e.input(x)); // requantized to the concat's scale by onnxruntime's QuantizeLinear
        return;
      }
      emitUnary(e, n.name, f, e.input(x), e.floatOut(y));
      e.produced(y);
      return;
    }
    case 'avgpool': {
      const gm = n.geometry;
      const f = e.floatNode(n.name);
      if (f?.op !== 'AveragePool') e.mismatch(`node '${n.name}' is an avgpool, the float model has ${f ? f.op : 'no such node'}`);
      if (gm.dilationH !== 1 || gm.dilationW !== 1) fail(n, 'a dilated AveragePool has no QDQ export (dilations need opset 19)');
      const ceil = n.ceilExtra[0] > 0 || n.ceilExtra[1] > 0;
      e.addNode('AveragePool', n.name, [e.input(x)], [e.floatOut(y)], {
        kernel_shape: [gm.kh, gm.kw], strides: [gm.strideH, gm.strideW],
        pads: [gm.padTop, gm.padLeft, gm.padBottom - n.ceilExtra[0], gm.padRight - n.ceilExtra[1]],
        count_include_pad: n.countIncludePad ? 1 : 0, ...(ceil ? { ceil_mode: 1 } : {}),
      });
      e.produced(y);
      return;
    }
    case 'concat': {
      const f = e.floatNode(n.name) ?? baseNode(e, n.name, 'part');
      if (f?.op !== 'Concat') e.mismatch(`node '${n.name}' is a concat, the float model has ${f ? f.op : 'no such node'}`);
      e.addNode('Concat', n.name, n.inputs.map((v) => e.input(v)), [e.floatOut(y)], { axis: (f.attrs as ConcatAttrs).axis });
      e.produced(y);
      return;
    }
    case 'mul': {
      const f = e.floatNode(n.name);
      if (f?.op !== 'Mul') e.mismatch(`node '${n.name}' is a mul, the float model has ${f ? f.op : 'no such node'}`);
      e.addNode('Mul', n.name, [e.input(x), e.input(n.inputs[1]!)], [e.floatOut(y)]);
      e.produced(y);
      return;
    }
    case 'softmax': {
      const f = e.floatNode(n.name);
      if (f?.op !== 'Softmax') e.mismatch(`node '${n.name}' is a softmax, the float model has ${f ? f.op : 'no such node'}`);
      const a = f.attrs as SoftmaxAttrs;
      const shape = e.g.values.get(f.inputs[0]!)?.shape ?? e.mismatch(`value '${f.inputs[0]}' has no shape in the float model`);
      const rank = shape.length, axis = a.axis < 0 ? a.axis + rank : a.axis;
      const [, k] = softmaxSplit(shape, a);
      if (!a.flatten || k === shape[axis]) {
        e.addNode('Softmax', n.name, [e.input(x)], [e.floatOut(y)], { axis });
      } else {
        // opset < 13: one softmax over the axes [axis, rank); opset 13 takes one axis
        e.addNode('Flatten', `${n.name}_Flatten`, [e.input(x)], [`${n.name}_flat`], { axis });
        e.addNode('Softmax', n.name, [`${n.name}_flat`], [`${n.name}_flat_softmax`], { axis: 1 });
        e.addNode('Reshape', `${n.name}_Reshape`, [`${n.name}_flat_softmax`, e.i64Init(`${n.name}_shape`, [-1, ...shape.slice(1)])], [e.floatOut(y)]);
      }
      e.produced(y);
      return;
    }
  }
}

/** The float op `f` a table was built from, from float tensor `xin` to `out`. */
function emitUnary(e: QdqEmitter, name: string, f: Node, xin: string, out: string): void {
  if (PLAIN_UNARY.has(f.op)) {
    e.addNode(f.op, name, [xin], [out]);
  } else if (f.op === 'Clip') {
    emitClamp(e, f, xin, out);
  } else if (f.op === 'HardSwish') {
    e.addNode('HardSigmoid', `${name}_HardSigmoid`, [xin], [`${name}_hard_sigmoid`], { alpha: { float: HARD_SWISH_ALPHA }, beta: { float: 0.5 } });
    e.addNode('Mul', name, [xin, `${name}_hard_sigmoid`], [out]);
  } else if (WITH_ATTRIBUTES.has(f.op)) {
    const src = e.onnxNode(name) ?? fail(f, `exporting ${f.op} needs its attributes from the float ONNX model (ExportQdqOptions.onnx)`);
    if (src.opType !== f.op) e.mismatch(`node '${name}' is ${f.op}, the ONNX model's node of that name is ${src.opType}`);
    const attrs: Record<string, Attr> = {};
    for (const a of src.attribute ?? []) {
      // the importer accepts an int where a float is expected (1 for 1.0); the schema has floats
      if (a.type === AttributeType.FLOAT || a.type === AttributeType.INT) attrs[a.name!] = { float: a.type === AttributeType.FLOAT ? a.f ?? 0 : Number(a.i) };
      else fail(f, `attribute '${a.name}' of ${f.op} is no float`);
    }
    e.addNode(f.op, name, [xin], [out], attrs);
  } else if (f.op === 'Add' || f.op === 'Mul') {
    const k = f.inputs.findIndex((i) => e.g.constants.has(i));
    const c = k >= 0 ? e.g.constants.get(f.inputs[k]!)! : undefined;
    if (!c || c.data.length !== 1) e.mismatch(`node '${name}' is a table, the float model's ${f.op} has no scalar constant`);
    const s = e.f32Init(`${name}_constant`, [], [Number(c.data[0])]);
    e.addNode(f.op, name, k === 0 ? [s, xin] : [xin, s], [out]);
  } else {
    fail(f, `the ${f.op} op has no QDQ export (doubleq runs it as a table)`);
  }
}

/** A reshape QNode: the float model's Flatten / Reshape / Identity / Dropout, or an edge Transpose. */
export function emitReshape(e: QdqEmitter, n: QReshape, f: Node, shape: number[]): void {
  const x = n.inputs[0]!, y = n.outputs[0]!;
  if (f.op === 'Flatten') e.addNode('Flatten', n.name, [e.input(x)], [e.floatOut(y)], { axis: (f.attrs as { axis: number }).axis });
  else if (f.op === 'Identity' || f.op === 'Dropout') e.addNode('Identity', n.name, [e.input(x)], [e.floatOut(y)]);
  else if (f.op === 'Transpose') {
    const perm = (f.attrs as TransposeAttrs).perm ?? fail(n, 'a Transpose without perm is no layout change doubleq absorbs');
    e.addNode('Transpose', n.name, [e.input(x)], [e.floatOut(y)], { perm });
  } else e.addNode('Reshape', n.name, [e.input(x), e.i64Init(`${n.name}_shape`, [-1, ...shape])], [e.floatOut(y)]);
  e.produced(y);
}
