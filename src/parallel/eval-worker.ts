// Worker side of eval-pool.ts: one wasm engine per request, one slice of the shared image set.

import { parentPort, workerData } from 'node:worker_threads';
import { readQModel } from '../format/qmodel.js';
import { type EvalReply, type EvalRequest, type EvalSet, sliceLogits, sliceSharedLogits } from './eval-pool.js';

const { set, start, end } = workerData as { set: EvalSet; start: number; end: number };
const post = (m: EvalReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

async function answer(m: EvalRequest): Promise<Float32Array[]> {
  const model = readQModel(m.model);
  if (!m.variants) return [await sliceLogits(set, start, end, model)];
  const r = await sliceSharedLogits(set, start, end, model, m.variants.map((v) => readQModel(v)), (done) => post({ id: m.id, done }));
  return [r.base, ...r.variants];
}

parentPort!.on('message', (m: EvalRequest) => {
  answer(m).then(
    (logits) => post({ id: m.id, logits }, logits.map((a) => a.buffer as ArrayBuffer)),
    (e: Error) => post({ id: m.id, error: e.message }),
  );
});
