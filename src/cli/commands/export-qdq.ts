// doubleq export-qdq <model.onnx> <quantized.dq> --out <file.onnx>: writes the quantized model
// in ONNX QDQ form (src/format/export-qdq.ts) so onnxruntime can run it, for comparison.
// The float model is needed too: the QDQ graph re-emits its fused Relu/Clip and Flatten nodes
// and the float ops of doubleq's tables (with their ONNX attributes), and the pair is checked
// first (every weighted node of the .dq exists in the float model with the same weight shape),
// so a .dq quantized from another model is a one-line error.

import type { Command } from 'commander';
import { exportQdq } from '../../format/export-qdq.js';
import { isQModel, readQModel } from '../../format/qmodel.js';
import type { Graph } from '../../ir/graph.js';
import { ModelError } from '../../ir/errors.js';
import type { QGraph } from '../../ir/qgraph.js';
import { decodeOnnx } from '../../onnx/decode.js';
import type { GemmAttrs } from '../../ops/gemm.js';
import { refuseOverwritingInput, writeFileAtomic } from '../atomic-write.js';
import { loadModel, readFileBytes, InputError, UsageError } from '../io.js';

export interface ExportQdqFlags {
  out: string;
  activations?: string;
  json?: boolean;
}

export interface ExportQdqReport {
  model: string;
  quantized: string;
  out: string;
  activations: 'uint8' | 'int8';
  /** quantized Conv + Gemm layers */
  layers: number;
  onnxNodes: number;
  fileBytes: number;
}

const ACTIVATION_TYPES = ['uint8', 'int8'] as const;

/**
 * Throws a one-line InputError unless `q` was quantized from `g`: same input, and every conv/gemm
 * QNode names a float node of the same kind whose weight tensor has the QNode's shape.
 */
export function checkQuantizedPair(g: Graph, q: QGraph, modelPath: string, dqPath: string): void {
  const fail = (msg: string): never => {
    throw new InputError(`${dqPath} does not belong to ${modelPath}: ${msg}`);
  };
  const gin = g.inputs[0];
  if (g.inputs.length !== 1 || !gin) fail(`the float model has ${g.inputs.length} inputs`);
  if (gin!.name !== q.input.name) fail(`its input is '${q.input.name}', the float model's is '${gin!.name}'`);
  const inShape = q.input.floatShape ?? q.input.shape; // an NHWC input is flat in the QGraph
  if (gin!.shape.slice(1).join() !== inShape.join()) fail(`its input is [${inShape}] per image, the float model's is [${gin!.shape.slice(1)}]`);
  const nodes = new Map(g.nodes.map((n) => [n.name, n]));
  for (const n of q.nodes) {
    if (n.op !== 'conv' && n.op !== 'gemm') continue;
    const f = nodes.get(n.name) ?? fail(`node '${n.name}' is not in the float model`);
    const w = f.inputs[1] ? g.constants.get(f.inputs[1]) : undefined;
    if (n.op === 'conv') {
      const { m, c, group, kh, kw } = n.geometry;
      const want = [m, c / group, kh, kw];
      if (f.op !== 'Conv' || !w || w.shape.join() !== want.join())
        fail(`node '${n.name}' is a conv with weights [${want}], the float model has ${f.op}${w ? ` with weights [${w.shape}]` : ''}`);
    } else {
      const transB = f.op === 'Gemm' && (f.attrs as GemmAttrs).transB;
      const want = transB ? [n.m, n.k] : [n.k, n.m];
      if ((f.op !== 'Gemm' && f.op !== 'MatMul') || !w || w.shape.join() !== want.join())
        fail(`node '${n.name}' is a gemm with weights [${want}], the float model has ${f.op}${w ? ` with weights [${w.shape}]` : ''}`);
    }
  }
  for (const o of q.outputs) if (!g.outputs.some((fo) => fo.name === o.name)) fail(`its output '${o.name}' is not an output of the float model`);
}

export function exportQdqCommand(model: string, quantized: string, o: ExportQdqFlags): ExportQdqReport {
  const activations = (o.activations ?? 'uint8') as ExportQdqReport['activations'];
  if (!ACTIVATION_TYPES.includes(activations)) throw new UsageError(`--activations must be one of ${ACTIVATION_TYPES.join(', ')}, got '${o.activations}'`);
  refuseOverwritingInput(o.out, [model, quantized]);
  const m = loadModel(model);
  const dqBytes = readFileBytes(quantized, 'quantized model');
  if (!isQModel(dqBytes)) throw new InputError(`${quantized} is not a quantized .dq model (make one with doubleq quantize)`);
  const q = readQModel(dqBytes);
  const g = m.graphFor(m.fixedBatch ?? 1);
  checkQuantizedPair(g, q, model, quantized);
  let bytes: Uint8Array;
  try {
    bytes = exportQdq(g, q, { activations, onnx: m.onnx });
  } catch (e) {
    if (e instanceof ModelError) throw new InputError(`${quantized} and ${model}: ${e.message}`);
    throw e;
  }
  writeFileAtomic(o.out, bytes);
  return {
    model, quantized, out: o.out, activations,
    layers: q.nodes.filter((n) => n.op === 'conv' || n.op === 'gemm').length,
    onnxNodes: decodeOnnx(bytes).graph?.node?.length ?? 0, fileBytes: bytes.length,
  };
}

export function registerExportQdq(program: Command): void {
  program
    .command('export-qdq')
    .description('write a quantized .dq model as ONNX QDQ (QuantizeLinear/DequantizeLinear) for onnxruntime; for comparison, not bit-exact')
    .argument('<model>', 'the float model the .dq was quantized from (.onnx)')
    .argument('<quantized>', 'the quantized model (.dq)')
    .requiredOption('--out <file>', 'the QDQ model to write (.onnx)')
    .option('--activations <type>', `activation Q/DQ element type: ${ACTIVATION_TYPES.join(' | ')} (same values; uint8 is what onnxruntime fuses best)`, 'uint8')
    .option('--json', 'print one JSON object on stdout')
    .action((model: string, quantized: string, o: ExportQdqFlags) => {
      const r = exportQdqCommand(model, quantized, o);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' :
        `wrote ${r.out}: ${r.layers} quantized layers, ${r.onnxNodes} ONNX nodes (QDQ, ${r.activations} activations, opset 13), ` +
        `${r.fileBytes.toLocaleString('en-US')} bytes; for comparison only, onnxruntime rounds differently from doubleq\n`);
    });
}
