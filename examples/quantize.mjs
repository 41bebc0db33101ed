// Quantize the embedded default model from code: load, calibrate, 8-bit, DoubleQExt under a
// memory budget, evaluate, save to bytes, load again, run a batch. Run: node examples/quantize.mjs
import { readFile } from 'node:fs/promises';
import * as dq from 'doubleq';

const file = (name) => readFile(new URL(import.meta.resolve(`doubleq/models/${name}`)));
const model = dq.loadModel(await file('mnist-resnet.onnx'));        // .onnx or .dq bytes
const digits = dq.parseDigits(await file('mnist-digits.bin'));       // 500 train + 2,000 test digits

// calibrate from any (async) iterable of { images: Float32Array (NCHW), labels? } batches
const cal = await dq.calibrate(model, digits.train.batches(100), { limit: 500 });
const int8 = await dq.quantize(cal);                                  // level one: 8-bit
const ext = await dq.quantize(cal, { budget: 23.05 });                // DoubleQExt: >= 23.05 % saved vs 8-bit
const named = await dq.quantize(cal, { pot: ['/conv3/Conv'] });       // level two on chosen layers
const safe = await dq.quantize(cal, { maxDrop: 0.5 });                // as many PoT layers as keep top-1 within 0.5 points

for (const [name, m] of [['int8', int8], ['doubleqext', ext], ['named', named], ['max-drop', safe]]) {
  const acc = await dq.evaluate(m, digits.test.batches(100));
  console.log(`${name}: ${m.potLayers.length} PoT layers, ${m.savingVsInt8Pct.toFixed(2)} % saved vs 8-bit, top-1 ${acc.top1.toFixed(2)} %`);
}

const bytes = dq.saveModel(ext);                                      // the packed .dq file
const again = dq.loadModel(bytes);
const logits = await dq.run(again, digits.test.images.subarray(0, 4 * 784)); // [4, 10]
console.log(`saved ${bytes.length} bytes; predictions ${[...dq.predictions(logits, 10)]}, labels ${[...digits.test.labels.subarray(0, 4)]}`);
