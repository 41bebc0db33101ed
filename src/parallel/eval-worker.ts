// Worker side of eval-pool.ts: one wasm engine, one slice of the shared image set.

import { parentPort, workerData } from 'node:worker_threads';
import { readQModel } from '../format/qmodel.js';
import { type EvalSet, sliceLogits } from './eval-pool.js';

const { set, start, end } = workerData as { set: EvalSet; start: number; end: number };

parentPort!.on('message', (m: { id: number; model: Uint8Array }) => {
  sliceLogits(set, start, end, readQModel(m.model)).then(
    (logits) => parentPort!.postMessage({ id: m.id, logits }, [logits.buffer as ArrayBuffer]),
    (e: Error) => parentPort!.postMessage({ id: m.id, error: e.message }),
  );
});
