// Messages between the page (main.ts) and its Web Worker (worker.ts). Every request carries an
// id; the worker answers { id, result } or { id, error }, and sends { progress } while it works.

import type { MemoryTable } from '../src/api/index.js';

export type Request =
  | { type: 'load'; bytes?: ArrayBuffer; name?: string }
  | { type: 'prepare' }
  | { type: 'select'; budget: number }
  | { type: 'infer'; images: Float32Array }
  | { type: 'selftest'; count: number };

export interface LayerRow { name: string; op: string; weights: number }

export interface Loaded {
  name: string;
  fileBytes: number;
  inputShape: number[];
  classes: number;
  layers: LayerRow[];
  memory: MemoryTable;
  /** threads of one inference, and why not more when the page is not cross-origin isolated */
  threads: { count: number; note: string };
  /** why this model cannot be calibrated here (no data of its input shape), if so */
  noData?: string;
  samples?: { images: Float32Array; labels: number[] };
}

export interface Accuracy { correct: number; total: number; top1: number }

export interface Prepared {
  float: Accuracy;
  int8: Accuracy;
  maxSavingPct: number;
  calibImages: number;
  /** the measured frontier (sensitivity metric, knapsack): one point per distinct selection */
  frontier: { savingPct: number; top1: number; layers: string[] }[];
  seconds: number;
}

export interface Selected {
  budget: number;
  potLayers: string[];
  savingVsInt8Pct: number;
  accuracy: Accuracy;
  memory: MemoryTable;
  seconds: number;
}

export interface Inferred {
  /** per image: predictions of float, 8-bit and the selected model */
  float: number[];
  int8: number[];
  selected: number[];
  msPerImage: { float: number; int8: number; selected: number };
}

export interface SelfTest {
  simd: boolean;
  /** threads run() used for the model, and whether the page was cross-origin isolated */
  threads: number;
  isolated: boolean;
  /** the selected model's logits on the first `count` test digits, as bytes, per build */
  simdBytes?: number[];
  scalarBytes: number[];
  dq: number[];
  budget: number;
}

export type Response = { id: number; result?: unknown; error?: string } | { progress: { stage: string; done: number; total: number } };
