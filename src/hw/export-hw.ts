// The hardware export of a QGraph: every file as text, and manifest.json listing the layers,
// the rules and each file's sha256. The word layout is specified in ./weight-memory.ts.
//
// Directory layout (relative to the output directory):
//   manifest.json
//   layers/<id>/{weights,bias,mult,shift}.{mem,coe,mif}   conv / gemm memories
//   layers/<id>/<id>.h                                     the same memories as a C header
//   golden/<id>/{in0,in1,out}.{mem,coe,mif}, <id>_golden.h  with golden vectors: N images each

import type { QGraph } from '../ir/qgraph.js';
import { accumulatorBounds } from './accumulator-width.js';
import type { GoldenTensors } from './golden.js';
import { INPUT_RULE, layerEntry, layerId, REQUANT_RULE, ROUNDING_RULE, type LayerFiles, type MemoryFiles } from './layer-manifest.js';
import { HW_FORMATS, renderCHeader, renderMemory, type HwFormat, type MemoryFormat } from './text-formats.js';
import { activationMemory, channelMemories, weightMemory, type Memory } from './weight-memory.js';

export const MANIFEST_FORMAT = 'doubleq-hw';
export const MANIFEST_VERSION = 1;

export interface HwExportOptions {
  formats: readonly HwFormat[];
  /** sha256 hex of some bytes (injected: the core has no crypto dependency) */
  sha256: (bytes: Uint8Array) => string;
  /** where the model came from, for the manifest */
  model?: { file: string; sha256: string };
  golden?: { tensors: GoldenTensors; source: Record<string, unknown> };
}

export interface HwExport {
  /** every file except manifest.json, path relative to the output directory */
  files: { path: string; text: string }[];
  manifest: Record<string, unknown>;
}

export function exportHw(q: QGraph, o: HwExportOptions): HwExport {
  const formats = HW_FORMATS.filter((f) => o.formats.includes(f));
  const memFormats = formats.filter((f): f is MemoryFormat => f !== 'c');
  const files: HwExport['files'] = [];
  const writeMemory = (dir: string, m: Memory, title: string): MemoryFiles => {
    const out: MemoryFiles = {};
    for (const f of memFormats) {
      const path = `${dir}/${m.kind}.${f}`;
      files.push({ path, text: renderMemory(m, f, title) });
      out[f] = path;
    }
    return out;
  };
  const bounds = accumulatorBounds(q);
  const layers = q.nodes.map((n, i) => {
    if (n.op !== 'conv' && n.op !== 'gemm') return layerEntry(q, i, n, undefined, undefined);
    const id = layerId(i, n.name), dir = `layers/${id}`;
    const mems = [weightMemory(n), ...channelMemories(n)];
    const [w, b, mu, s] = mems.map((m) => writeMemory(dir, m, `${n.name} ${m.kind}`)) as [MemoryFiles, MemoryFiles, MemoryFiles, MemoryFiles];
    const lf: LayerFiles = { weights: w, bias: b, mult: mu, shift: s };
    if (formats.includes('c')) {
      const xq = q.values.get(n.inputs[0]!)!.q, yq = q.values.get(n.outputs[0]!)!.q;
      const acc = bounds.get(n.name)!;
      lf.header = `${dir}/${id}.h`;
      files.push({ path: lf.header, text: renderCHeader(id, `${n.name} (${n.op}, ${n.pot ? `power-of-two ${n.pot.rule}` : 'int8'})`, mems,
        { input_zero_point: xq.zeroPoint, output_zero_point: yq.zeroPoint, qmin: n.qmin, qmax: n.qmax, weight_bits: mems[0]!.width, accumulator_bits: acc.bits, out_channels: n.bias.length }) });
    }
    return layerEntry(q, i, n, lf, bounds.get(n.name));
  });

  let golden: Record<string, unknown> | undefined;
  if (o.golden) {
    const t = o.golden.tensors;
    golden = {
      images: t.images, source: o.golden.source,
      layout: 'int8 words, image after image; each image NHWC (address (y * W + x) * C + c) or [k], as the layer reads or writes it',
      layers: q.nodes.map((n, i) => {
        const id = layerId(i, n.name), dir = `golden/${id}`;
        const mems = [...t.nodes[i]!.inputs.map((x, j) => activationMemory(`in${j}`, x)), activationMemory('out', t.nodes[i]!.output)];
        const tensors = mems.map((m, j) => ({ role: m.kind, value: j < n.inputs.length ? n.inputs[j]! : n.outputs[0]!, words: m.words.length,
          wordBits: m.width, files: writeMemory(dir, m, `${n.name} ${m.kind}, ${t.images} images`) as MemoryFiles & { c?: string } }));
        if (formats.includes('c')) {
          const path = `${dir}/${id}_golden.h`;
          files.push({ path, text: renderCHeader(`${id}_golden`, `${n.name} golden tensors, ${t.images} images`, mems, { images: t.images }) });
          for (const x of tensors) x.files.c = path;
        }
        return { index: i, id, name: n.name, op: n.op, tensors };
      }),
    };
  }

  const enc = new TextEncoder();
  const manifest = {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION, generator: 'doubleq export-hw',
    ...(o.model ? { model: { ...o.model, name: q.name } } : { model: { name: q.name } }),
    formats,
    wordLayout: 'src/hw/weight-memory.ts: one value per word at its index; conv weights OHWI (output channel, kernel row, kernel column, input channel); '
      + 'int8 weights 8-bit two\'s complement; power-of-two weights sign + magnitude codes of 5 (log, linear) or 4 (floor) bits; bias int32, mult uint32, shift 8-bit',
    rounding: ROUNDING_RULE,
    requantization: REQUANT_RULE,
    input: { name: q.input.name, shape: q.input.shape, value: q.input.quantized, scale: q.input.q.scale, zeroPoint: q.input.q.zeroPoint, quantization: INPUT_RULE },
    outputs: q.outputs.map((x) => ({ name: x.name, shape: x.shape, value: x.quantized, scale: q.values.get(x.quantized)!.q.scale, zeroPoint: q.values.get(x.quantized)!.q.zeroPoint })),
    values: [...q.values.values()].map((v) => ({ name: v.name, shape: v.shape, scale: v.q.scale, zeroPoint: v.q.zeroPoint })),
    layers,
    ...(golden ? { golden } : {}),
    files: files.map((f) => {
      const bytes = enc.encode(f.text);
      return { path: f.path, bytes: bytes.length, sha256: o.sha256(bytes) };
    }),
  };
  return { files, manifest };
}
