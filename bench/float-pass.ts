// CPU time of the float path: one calibration pass (minmax, wasm SIMD conv, batch 50) over the first
// --images calibration images per model, and a sha256 of the float logits of the first 8 images
// (to compare branches bit for bit). CPU time (process.cpuUsage), not wall time: the machine is shared.
//
//   npm run build && node dist/bench/float-pass.js [-- --shared ../shared --images 1000]

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDataset } from '../src/data/node-files.js';
import { f32 } from '../src/ir/tensor.js';
import { calibrate } from '../src/quant/calibrate.js';
import { F32Executor } from '../src/runtime/f32-executor.js';
import { FloatModel } from '../src/runtime/float-model.js';
import { loadEngine } from '../src/runtime/wasm-loader.js';
import { flag } from './args.js';

const shared = resolve(flag('--shared', '../shared'));
const IMAGES = Number(flag('--images', '1000'));
if (!(Number.isInteger(IMAGES) && IMAGES >= 1)) throw new Error('--images must be a positive integer');
const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const engine = await loadEngine({ simd: true });
const data = await openDataset(resolve(shared, 'data/cifar10/calib.bin'), 'cifar10', { norm });

for (const file of ['resnet20-cifar10.onnx', 'mbv2tiny-cifar10.onnx']) {
  const model = FloatModel.fromBytes(readFileSync(resolve(shared, 'models', file)));
  const hash = createHash('sha256');
  for await (const b of data.batches(8, { limit: 8 })) {
    const g = model.graphFor(b.count);
    const out = new F32Executor(g, { engine }).run({ [g.inputs[0]!.name]: f32(g.inputs[0]!.shape, b.images) });
    const y = out[g.outputs[0]!.name]!.data as Float32Array;
    hash.update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  }
  const t0 = process.cpuUsage();
  await calibrate(model, data, { method: 'minmax', limit: IMAGES, engine });
  const t = process.cpuUsage(t0);
  console.log(`${file}: float pass over ${IMAGES} images: ${((t.user + t.system) / 1e6).toFixed(2)} s CPU (user ${(t.user / 1e6).toFixed(2)}, system ${(t.system / 1e6).toFixed(2)}); logits sha256 ${hash.digest('hex').slice(0, 16)}`);
}
