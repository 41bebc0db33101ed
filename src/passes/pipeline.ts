import type { Graph } from '../ir/graph.js';
import { validateGraph } from '../ir/validate.js';
import { OPS } from '../ops/registry.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import type { Pass } from './pass.js';

/** The default ordered pass list. */
export const DEFAULT_PASSES: readonly Pass[] = [foldBatchNorm];

export function runPasses(g: Graph, passes: readonly Pass[] = DEFAULT_PASSES): Graph {
  return passes.reduce((acc, p) => {
    const out = p.run(acc);
    validateGraph(out, `after pass ${p.name}`, OPS);
    return out;
  }, g);
}
