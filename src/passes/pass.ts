import type { Graph } from '../ir/graph.js';

/** A graph-to-graph transformation; passes never mutate their input. */
export interface Pass {
  readonly name: string;
  run(g: Graph): Graph;
}
