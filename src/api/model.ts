// Models as the library hands them out: a float model (from .onnx) or a quantized one
// (from .dq or from quantize()), loaded from bytes and saved to bytes. No fs: the caller reads
// and writes the bytes (fs.readFile in Node, fetch or a File in a browser).

import { ModelError } from '../ir/errors.js';
import type { QGraph } from '../ir/qgraph.js';
import { isQModel, readQModel, writeQModel } from '../format/qmodel.js';
import { FloatModel } from '../runtime/float-model.js';

interface ModelBase {
  /** per-image input shape, CHW */
  readonly inputShape: readonly number[];
  /** outputs per image */
  readonly classes: number;
}

export interface FloatNet extends ModelBase {
  readonly kind: 'float';
  /** the imported graph (BatchNorm folded); advanced use */
  readonly float: FloatModel;
  /** size of the .onnx file it came from */
  readonly fileBytes: number;
}

export interface QuantizedNet extends ModelBase {
  readonly kind: 'quantized';
  /** the integer graph; advanced use */
  readonly q: QGraph;
  /** layers with power-of-two weights */
  readonly potLayers: readonly string[];
}

export type Model = FloatNet | QuantizedNet;

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

export function floatNet(float: FloatModel, fileBytes: number): FloatNet {
  const g = float.graphFor(float.fixedBatch ?? 1);
  const out = g.outputs[0]!;
  return { kind: 'float', float, fileBytes, inputShape: g.inputs[0]!.shape.slice(1), classes: prod(out.shape.slice(1)) };
}

export function quantizedNet(q: QGraph): QuantizedNet {
  const potLayers = q.nodes.filter((n) => (n.op === 'conv' || n.op === 'gemm') && n.pot).map((n) => n.name);
  return { kind: 'quantized', q, inputShape: [...(q.input.floatShape ?? q.input.shape)], classes: prod(q.outputs[0]!.shape), potLayers };
}

/** A model from the bytes of an .onnx (float) or .dq (quantized) file, told apart by the magic bytes. */
export function loadModel(bytes: Uint8Array | ArrayBuffer): Model {
  const b = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : undefined;
  if (!b) throw new ModelError('loadModel: expected the file bytes as a Uint8Array or ArrayBuffer');
  if (b.length === 0) throw new ModelError('loadModel: the file is empty');
  return isQModel(b) ? quantizedNet(readQModel(b)) : floatNet(FloatModel.fromBytes(b), b.length);
}

/** The packed .dq bytes of a quantized model (format spec: src/format/qmodel.ts). */
export function saveModel(m: QuantizedNet): Uint8Array {
  if (!m || m.kind !== 'quantized') throw new ModelError('saveModel: only a quantized model can be saved (quantize() it first)');
  return writeQModel(m.q);
}
