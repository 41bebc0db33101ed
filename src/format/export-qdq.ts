// QGraph -> ONNX in the QDQ format ("operator-oriented quantization" with explicit
// QuantizeLinear / DequantizeLinear), for running doubleq's quantization in onnxruntime.
//
// FOR COMPARISON ONLY. The file carries doubleq's quantization parameters exactly (the same int8
// weights, per-channel weight scales, int32 biases, activation scales and zero points), but
// onnxruntime requantizes in float (QLinearConv: acc * (s_x * s_w / s_y), rounded half to even in
// fp32) where doubleq uses a fixed-point multiplier and shift (src/quant/requant.ts), and its
// QLinearAdd / QLinearGlobalAveragePool round their own way. Outputs agree to within a few output
// LSBs; they are not bit-exact, and doubleq's own engine stays the reference.
//
// What is emitted (ONNX IR 7, default-domain opset 13; every node name derives from the QNode's):
//  1. Graph input: the float model's input name, float32 ['batch', ...per-image shape] (dynamic
//     batch). Graph outputs: the float model's output names, float32 ['batch', ...].
//  2. Every int8 activation value v of the QGraph: its producer's float output, one
//     QuantizeLinear(s_v, zp_v) and, for each reader, its own DequantizeLinear(s_v, zp_v). Scale:
//     float32 scalar `v_scale`; zero point `v_zero_point`: uint8 zp_v + 128 by default (the same
//     real values and the same rounding as doubleq's int8 codes, shifted by 128), or int8 zp_v
//     with `activations: 'int8'`. Names: v (float producer output), v_QuantizeLinear_Output
//     (quantized), v_DequantizeLinear_Output[_k] (float); a graph output's producer writes
//     v_QuantizeLinear_Input and its DequantizeLinear writes the output's own name.
//     Why uint8: onnxruntime's x86 CPU kernels take uint8 activations and rewrite int8 Q/DQ
//     pairs to uint8 (QDQS8ToU8Transformer) only where a QuantizeLinear has a single
//     DequantizeLinear reader, so with int8 the convolutions and adds that read a residual value
//     stay unfused (9 of 19 QLinearConv, 0 of 9 QLinearAdd, onnxruntime-node 1.30); with uint8
//     all fuse. Dedicated Q/DQ pairs per reader do not help: common-subexpression elimination
//     merges the identical QuantizeLinear nodes again.
//  3. conv: DQ(x); weights as an int8 initializer in OIHW + DequantizeLinear with per-channel
//     scale (axis 0) and int8 zero point 0; bias as an int32 initializer + DequantizeLinear with
//     scale fp32(s_x * s_w[m]) and int32 zero point 0 (axis 0); Conv (kernel_shape, strides,
//     pads, dilations, group from the geometry); the fused activation of the float model as its
//     own node (Relu, or Clip with float min/max); Q/DQ of the output value.
//     Power-of-two layers (level two) export their decoded weights; a layer whose decoded
//     weights include +128 has no int8 form, so its weights are written dequantized, as the
//     float32 initializer `<name>_weight_dequantized` = fp32(q * s_w[m]), exactly what the
//     DequantizeLinear would give (onnxruntime then runs that layer as a float Conv; an int32
//     weight DequantizeLinear is no option: onnxruntime 1.30 fuses it into an invalid QLinearConv).
//  4. gemm: the same with Gemm(transB = 1): weights [m][k] int8 (alpha already folded in).
//  5. add: Add of the two dequantized inputs, the fused activation, Q/DQ of the output.
//  6. gavgpool: GlobalAveragePool; maxpool: MaxPool (explicit pads, ceil_mode when needed).
//  7. strided-copy: Slice (starts/ends/axes/steps on the NCHW axes 1..3, omitted when it is the
//     identity) then Pad (constant mode, value = the dequantized fill), between the input's DQ
//     and the output's Q, which carry the same parameters.
//  8. to-nchw emits nothing (the float tensor is NCHW already); reshape re-emits the float
//     model's Flatten / Reshape / Identity / Dropout, or the edge Transpose it absorbed (an NHWC
//     graph input or output keeps the float model's NHWC shape).
//  9. avgpool, lut (tables), concat, mul, softmax: src/format/export-qdq-ops.ts.
// Shapes are those of one image; the batch axis is always dim 0 and never touched.
//
// With this form onnxruntime's QDQ transformers (graph optimization level >= 'basic'/'extended')
// fuse DQ -> Conv -> [Relu] -> Q into QLinearConv, DQ -> Add -> [Relu] -> Q into QLinearAdd and
// DQ -> GlobalAveragePool -> Q into QLinearGlobalAveragePool (and the issue-12 ops into
// QLinearAveragePool, QLinearConcat, QLinearMul, QLinearSoftmax, QLinearSigmoid,
// QLinearLeakyRelu; the other activations stay float ops between Q/DQ). A Relu before a QuantizeLinear is
// dropped when the zero point is the type's minimum (0 for uint8, -128 for int8), which
// doubleq's ranges after a Relu (min 0) always give.
// see: onnxruntime docs/performance/model-optimizations/quantization.md ("QDQ format"),
//      onnxruntime/core/optimizer/qdq_transformer/relu_quantizelinear.cc (ReluQuantFusion),
//      onnxruntime/core/optimizer/qdq_transformer/selectors_actions/qdq_selectors.cc.
// Reference: onnx/docs/Operators.md#QuantizeLinear, #DequantizeLinear (opset 13: per-axis
// scale with `axis`, int32 input for DequantizeLinear).

import type { Graph, Node } from '../ir/graph.js';
import { producers } from '../ir/graph.js';
import { ModelError } from '../ir/errors.js';
import type { QGraph, QNode, QParams, QValue, QWeights } from '../ir/qgraph.js';
import { AttributeType, encodeOnnx } from '../onnx/decode.js';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/onnx-schema.js';
import { emitClamp, emitExtra, emitReshape, type Attr, type QdqEmitter } from './export-qdq-ops.js';

export const QDQ_OPSET = 13;
export const QDQ_IR_VERSION = 7;

const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;

export interface ExportQdqOptions {
  /**
   * Element type of the activation Q/DQ pairs. 'uint8' (default) stores q + 128 and zp + 128:
   * the same real values and rounding, in the type onnxruntime's CPU kernels use (it rewrites
   * int8 activation pairs to uint8 itself on x86, but only pairs with a single reader, which
   * leaves residual blocks unfused). 'int8' writes doubleq's codes as they are.
   */
  activations?: 'uint8' | 'int8';
  /**
   * The float model's ONNX (what `g` was imported from): the attributes of HardSigmoid,
   * LeakyRelu, Elu and Selu, which the Graph keeps only as a function. Needed only for those.
   */
  onnx?: ModelProto;
}

/** Builds the QDQ ModelProto bytes of `q`, which was quantized from `g` (BatchNorm folded). */
export function exportQdq(g: Graph, q: QGraph, opts: ExportQdqOptions = {}): Uint8Array {
  const uint8 = (opts.activations ?? 'uint8') === 'uint8';
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const initNames = new Set<string>();
  const mismatch = (msg: string): never => {
    throw new ModelError(`the quantized model does not match the float model: ${msg}`);
  };

  const addInit = (name: string, dataType: number, dims: number[], bytes: Uint8Array): string => {
    if (initNames.has(name)) throw new Error(`exportQdq: initializer '${name}' emitted twice`);
    initNames.add(name);
    inits.push({ name, dataType, dims, rawData: bytes.slice() });
    return name;
  };
  const f32Init = (name: string, dims: number[], v: ArrayLike<number>) => addInit(name, DT.float, dims, le(Float32Array.from(v)));
  const i8Init = (name: string, dims: number[], v: Int8Array) => addInit(name, DT.int8, dims, le(v));
  const i32Init = (name: string, dims: number[], v: Int32Array) => addInit(name, DT.int32, dims, le(v));
  const i64Init = (name: string, v: number[]) => addInit(name, DT.int64, [v.length], le(BigInt64Array.from(v, BigInt)));

  const addNode = (op: string, name: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> | AttributeProto[] = {}) => {
    const attribute = Array.isArray(attrs) ? attrs : Object.entries(attrs).map(([k, v]) => attr(k, v));
    nodes.push({ name, opType: op, domain: '', input: inputs, output: outputs, attribute });
  };

  // --- values: one QuantizeLinear per value, one DequantizeLinear per reader -----------------
  const floatOutputOf = new Map<string, string>(); // quantized value name -> float graph output name
  for (const o of q.outputs) {
    if (floatOutputOf.has(o.quantized)) mismatch(`graph outputs '${floatOutputOf.get(o.quantized)}' and '${o.name}' are the same value`);
    floatOutputOf.set(o.quantized, o.name);
  }
  const quantized = new Map<string, { q: string; scale: string; zp: string }>(); // value -> Q output, params
  const readers = new Map<string, number>(); // value -> DequantizeLinear nodes emitted so far
  const qvalue = (name: string): QValue => q.values.get(name) ?? mismatch(`value '${name}' has no quantization parameters`);
  /** Name the producer of value v writes its float result to. */
  const floatOut = (v: string): string => (floatOutputOf.has(v) ? `${v}_QuantizeLinear_Input` : v);
  /** The QuantizeLinear of value v, after its producer wrote the float tensor `src`. */
  const produced = (v: string, src = floatOut(v)) => {
    const p = qvalue(v).q;
    const scale = f32Init(`${v}_scale`, [], [p.scale]);
    const zp = uint8 ? addInit(`${v}_zero_point`, DT.uint8, [], Uint8Array.of(p.zeroPoint + 128)) : i8Init(`${v}_zero_point`, [], Int8Array.of(p.zeroPoint));
    addNode('QuantizeLinear', `${v}_QuantizeLinear`, [src, scale, zp], [`${v}_QuantizeLinear_Output`]);
    quantized.set(v, { q: `${v}_QuantizeLinear_Output`, scale, zp });
  };
  /** A new DequantizeLinear of value v (named `out`, default v_DequantizeLinear_Output[_k]). */
  const input = (v: string, out?: string): string => {
    const t = quantized.get(v) ?? mismatch(`value '${v}' is read before it is written`);
    const k = readers.get(v) ?? 0;
    readers.set(v, k + 1);
    const sfx = k === 0 ? '' : `_${k}`;
    const name = out ?? `${v}_DequantizeLinear_Output${sfx}`;
    addNode('DequantizeLinear', `${v}_DequantizeLinear${sfx}`, [t.q, t.scale, t.zp], [name]);
    return name;
  };

  // --- the float model: node lookup, fused activations ---------------------------------------
  const floatNode = new Map(g.nodes.map((n) => [n.name, n]));
  const producerOf = producers(g);
  const fnode = (n: QNode): Node => floatNode.get(n.name) ?? mismatch(`node '${n.name}' is not in the float model`);
  const onnxNodes = new Map((opts.onnx?.graph?.node ?? []).map((n, i) => [n.name || `${n.opType}_${i}`, n])); // the importer's names
  const emitter: QdqEmitter = {
    g, addNode, f32Init, i64Init, input: (v) => input(v), produced, floatOut, mismatch,
    floatNode: (name) => floatNode.get(name), onnxNode: (name) => onnxNodes.get(name),
  };
  /**
   * Emits op `n` writing `pre` and, when the QNode's output is a fused Relu/Clip's output in the
   * float model, that activation after it. Returns nothing: the result is in floatOut(output).
   */
  const withActivation = (n: QNode, emit: (out: string) => void) => {
    const f = fnode(n);
    const out = n.outputs[0]!;
    if (f.outputs[0] === out) {
      emit(floatOut(out));
      return;
    }
    const act = producerOf.get(out) ?? mismatch(`node '${n.name}' writes '${out}', which the float model does not have`);
    if ((act.op !== 'Relu' && act.op !== 'Clip') || act.inputs[0] !== f.outputs[0])
      mismatch(`node '${n.name}' writes '${out}', which is not a Relu/Clip of its float output '${f.outputs[0]}'`);
    const pre = f.outputs[0]!;
    emit(pre);
    emitClamp(emitter, act, pre, floatOut(out));
  };
  /** int8 weights + per-channel DQ (axis 0, zp 0), int32 bias + DQ at s_x * s_w[m]. */
  const weightsAndBias = (n: Extract<QNode, { op: 'conv' | 'gemm' }>, dims: number[], w: QWeights, xq: QParams): [string, string] => {
    const m = dims[0]!;
    const per = w.length / m;
    if (w instanceof Int8Array || w.every((v) => v >= -128 && v <= 127)) {
      const wq = i8Init(`${n.name}_weight_quantized`, dims, Int8Array.from(w));
      const ws = f32Init(`${n.name}_weight_scale`, [m], n.weightScale);
      const wz = i8Init(`${n.name}_weight_zero_point`, [m], new Int8Array(m));
      addNode('DequantizeLinear', `${n.name}_weight_DequantizeLinear`, [wq, ws, wz], [`${n.name}_weight_dequantized`], { axis: 0 });
    } else {
      // no int8 form (a decoded power of two reached +128): the weights DequantizeLinear would give, as fp32
      f32Init(`${n.name}_weight_dequantized`, dims, Float32Array.from(w, (v, i) => v * n.weightScale[Math.floor(i / per)]!));
    }
    const bq = i32Init(`${n.name}_bias_quantized`, [m], n.bias);
    const bs = f32Init(`${n.name}_bias_scale`, [m], Array.from(n.weightScale, (s) => xq.scale * s));
    const bz = i32Init(`${n.name}_bias_zero_point`, [m], new Int32Array(m));
    addNode('DequantizeLinear', `${n.name}_bias_DequantizeLinear`, [bq, bs, bz], [`${n.name}_bias_dequantized`], { axis: 0 });
    return [`${n.name}_weight_dequantized`, `${n.name}_bias_dequantized`];
  };

  // --- graph -----------------------------------------------------------------------------------
  if (g.inputs.length !== 1) mismatch(`the float model has ${g.inputs.length} inputs, the quantized one has 1`);
  const gin = g.inputs[0]!;
  if (gin.name !== q.input.name) mismatch(`input '${q.input.name}' is '${gin.name}' in the float model`);
  const inShape = q.input.floatShape ?? q.input.shape; // an NHWC input is flat in the QGraph
  if (gin.shape.slice(1).join() !== inShape.join()) mismatch(`input shape [${inShape}] is [${gin.shape.slice(1)}] in the float model`);
  produced(q.input.quantized, q.input.name);

  for (const n of q.nodes) {
    const x = n.inputs[0]!;
    const y = n.outputs[0]!;
    switch (n.op) {
      case 'conv': {
        const gm = n.geometry;
        const cg = gm.c / gm.group;
        const oihw = new (n.weights.constructor as Int8ArrayConstructor | Int16ArrayConstructor)(n.weights.length); // OHWI -> OIHW
        for (let o = 0; o < gm.m; o++) for (let i = 0; i < gm.kh; i++) for (let j = 0; j < gm.kw; j++) for (let ic = 0; ic < cg; ic++)
          oihw[((o * cg + ic) * gm.kh + i) * gm.kw + j] = n.weights[((o * gm.kh + i) * gm.kw + j) * cg + ic]!;
        const [w, b] = weightsAndBias(n, [gm.m, cg, gm.kh, gm.kw], oihw, qvalue(x).q);
        withActivation(n, (out) => addNode('Conv', n.name, [input(x), w, b], [out], {
          kernel_shape: [gm.kh, gm.kw], strides: [gm.strideH, gm.strideW], dilations: [gm.dilationH, gm.dilationW],
          pads: [gm.padTop, gm.padLeft, gm.padBottom, gm.padRight], group: gm.group,
        }));
        produced(y);
        break;
      }
      case 'gemm': {
        const [w, b] = weightsAndBias(n, [n.m, n.k], n.weights, qvalue(x).q);
        withActivation(n, (out) => addNode('Gemm', n.name, [input(x), w, b], [out], { transB: 1 }));
        produced(y);
        break;
      }
      case 'add':
        withActivation(n, (out) => addNode('Add', n.name, [input(x), input(n.inputs[1]!)], [out]));
        produced(y);
        break;
      case 'gavgpool':
        addNode('GlobalAveragePool', n.name, [input(x)], [floatOut(y)]);
        produced(y);
        break;
      case 'maxpool': {
        const gm = n.geometry;
        const floorOut = (i: number, k: number, s: number, d: number, p: number) => Math.floor((i + p - ((k - 1) * d + 1)) / s) + 1;
        const ceil = floorOut(gm.h, gm.kh, gm.strideH, gm.dilationH, gm.padTop + gm.padBottom) !== gm.oh ||
          floorOut(gm.w, gm.kw, gm.strideW, gm.dilationW, gm.padLeft + gm.padRight) !== gm.ow;
        addNode('MaxPool', n.name, [input(x)], [floatOut(y)], {
          kernel_shape: [gm.kh, gm.kw], strides: [gm.strideH, gm.strideW], dilations: [gm.dilationH, gm.dilationW],
          pads: [gm.padTop, gm.padLeft, gm.padBottom, gm.padRight], ...(ceil ? { ceil_mode: 1 } : {}),
        });
        produced(y);
        break;
      }
      case 'strided-copy': {
        if (n.inShape.length !== 3) mismatch(`node '${n.name}': only per-image [h, w, c] slices and pads are exported`);
        // per-image HWC axis t -> NCHW axis: h -> 2, w -> 3, c -> 1
        const order = [2, 0, 1]; // NCHW axes 1, 2, 3 as HWC axes
        const count = (t: number) => n.hi[t]! - n.lo[t]!;
        const needSlice = order.some((t) => n.start[t] !== 0 || n.step[t] !== 1 || count(t) !== n.inShape[t]);
        const needPad = order.some((t) => n.lo[t] !== 0 || n.hi[t] !== n.outShape[t]);
        let cur = input(x);
        const last = needPad ? 'pad' : 'slice';
        if (needSlice) {
          const out = last === 'slice' ? floatOut(y) : `${n.name}_sliced`;
          addNode('Slice', `${n.name}_Slice`, [cur,
            i64Init(`${n.name}_starts`, order.map((t) => n.start[t]!)),
            i64Init(`${n.name}_ends`, order.map((t) => n.start[t]! + n.step[t]! * (count(t) - 1) + 1)),
            i64Init(`${n.name}_axes`, [1, 2, 3]),
            i64Init(`${n.name}_steps`, order.map((t) => n.step[t]!))], [out]);
          cur = out;
        }
        if (needPad) {
          const p = qvalue(x).q;
          addNode('Pad', `${n.name}_Pad`, [cur,
            i64Init(`${n.name}_pads`, [0, ...order.map((t) => n.lo[t]!), 0, ...order.map((t) => n.outShape[t]! - n.hi[t]!)]),
            f32Init(`${n.name}_value`, [], [p.scale * (n.fill - p.zeroPoint)])], [floatOut(y)], { mode: 'constant' });
        }
        if (!needSlice && !needPad) addNode('Identity', n.name, [cur], [floatOut(y)]);
        produced(y);
        break;
      }
      case 'to-nchw':
        if (floatOutputOf.has(y)) mismatch(`node '${n.name}': a to-nchw output cannot be a graph output`);
        quantized.set(y, quantized.get(x) ?? mismatch(`value '${x}' is read before it is written`)); // NCHW is the float layout already
        break;
      case 'reshape':
        emitReshape(emitter, n, fnode(n), qvalue(y).shape);
        break;
      default:
        emitExtra(emitter, n);
    }
  }

  for (const o of q.outputs) input(o.quantized, o.name);
  const fouts = new Map(g.outputs.map((o) => [o.name, o]));
  const outShape = (name: string) => (fouts.get(name) ?? mismatch(`output '${name}' is not an output of the float model`)).shape.slice(1); // NHWC outputs are flat in the QGraph

  const model: ModelProto = {
    irVersion: QDQ_IR_VERSION,
    producerName: 'doubleq',
    producerVersion: '0.1.0',
    docString: 'doubleq int8 quantization in ONNX QDQ form, for comparison only: onnxruntime requantizes in float, doubleq in fixed point, so results are close but not bit-exact.',
    opsetImport: [{ domain: '', version: QDQ_OPSET }],
    graph: {
      name: q.name || g.name || 'doubleq-qdq',
      input: [valueInfo(gin.name, inShape)],
      output: q.outputs.map((o) => valueInfo(o.name, outShape(o.name))),
      initializer: inits,
      node: nodes,
    },
  };
  return encodeOnnx(model);
}

/** Little-endian bytes of a typed array (copied into a fresh buffer). */
function le(a: Int8Array | Int32Array | Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  if (!littleEndianHost && a.BYTES_PER_ELEMENT > 1)
    for (let i = 0; i < bytes.length; i += a.BYTES_PER_ELEMENT) bytes.subarray(i, i + a.BYTES_PER_ELEMENT).reverse();
  return bytes;
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function attr(name: string, v: Attr): AttributeProto {
  const T = AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (!Array.isArray(v)) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.INTS, ints: v };
}

function valueInfo(name: string, perImage: readonly number[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DT.float, shape: { dim: [{ dimParam: 'batch' }, ...perImage.map((d) => ({ dimValue: d }))] } } },
  };
}
