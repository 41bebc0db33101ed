// A decoded ONNX model plus its float graphs, one per batch size (shapes are fixed per graph).

import type { Graph } from '../ir/graph.js';
import { decodeOnnx, type OnnxModel } from '../onnx/decode.js';
import { fixedBatch, importOnnx } from '../onnx/import.js';
import { runPasses, DEFAULT_PASSES } from '../passes/pipeline.js';
import type { Pass } from '../passes/pass.js';

export class FloatModel {
  private readonly graphs = new Map<number, Graph>();
  /** Batch size fixed by the model file, if any. */
  readonly fixedBatch: number | undefined;

  constructor(readonly onnx: OnnxModel, private readonly passes: readonly Pass[] = DEFAULT_PASSES) {
    this.fixedBatch = fixedBatch(onnx);
    this.graphFor(this.fixedBatch ?? 1); // validates the whole model now
  }

  static fromBytes(bytes: Uint8Array, passes?: readonly Pass[]): FloatModel {
    return new FloatModel(decodeOnnx(bytes), passes);
  }

  graphFor(batch: number): Graph {
    let g = this.graphs.get(batch);
    if (!g) {
      g = runPasses(importOnnx(this.onnx, { batch }), this.passes);
      this.graphs.set(batch, g);
    }
    return g;
  }
}
