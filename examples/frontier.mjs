// The measured memory-accuracy frontier, with a progress callback and an AbortSignal.
// Run: node examples/frontier.mjs
import { readFile } from 'node:fs/promises';
import * as dq from 'doubleq';

const file = (name) => readFile(new URL(import.meta.resolve(`doubleq/models/${name}`)));
const model = dq.loadModel(await file('mnist-resnet.onnx'));
const digits = dq.parseDigits(await file('mnist-digits.bin'));

const onProgress = ({ stage, done, total }) => process.stderr.write(`\r${stage} ${done}/${total}   `);
const cal = await dq.calibrate(model, digits.train.batches(100), { onProgress });
const f = await dq.frontier(cal, digits.test.batches(100), { metrics: ['sensitivity', 'error'], onProgress });
process.stderr.write('\n');
for (const c of f.curves)
  for (const p of c.points) console.log(`${c.metric.padEnd(11)} ${p.savingVsInt8Pct.toFixed(2).padStart(6)} % saved  top-1 ${p.top1.toFixed(2)} %  ${p.layers.join(' ')}`);

// any long call stops at the next batch when its signal aborts
const controller = new AbortController();
controller.abort();
try {
  await dq.calibrate(model, digits.train.batches(100), { signal: controller.signal });
} catch (e) {
  console.log(`calibrate aborted: ${e.name}`);
}
