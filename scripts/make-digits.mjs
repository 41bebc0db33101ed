// Writes models/mnist-digits.bin (format version 2: src/api/digits.ts) from the `mnist` devDependency:
// the first 500 images of the train split (calibration) and the whole 2,000-image test split,
// in the order of src/data/mnist.ts. Run after `npm run build`: node scripts/make-digits.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mnistOrder, MNIST_PIXELS } from '../dist/src/data/mnist.js';
import { digitValue } from '../dist/src/api/digits.js';

const TRAIN = 500;
const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
const digits = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')).data);
const counts = digits.map((a) => Math.floor(a.length / MNIST_PIXELS));
const refs = [...mnistOrder(counts, 'train').slice(0, TRAIN), ...mnistOrder(counts, 'test')];
const test = refs.length - TRAIN;
const raw = new Uint8Array(16 + refs.length * (1 + MNIST_PIXELS));
const dv = new DataView(raw.buffer);
raw.set([...'DQDG'].map((c) => c.charCodeAt(0)));
dv.setUint16(4, 2, true);
dv.setUint16(6, 28, true);
dv.setUint32(8, TRAIN, true);
dv.setUint32(12, test, true);
refs.forEach(({ digit, index }, i) => {
  raw[16 + i] = digit;
  const src = digits[digit], base = 16 + refs.length + i * MNIST_PIXELS;
  for (let p = 0; p < MNIST_PIXELS; p++) {
    const v = src[index * MNIST_PIXELS + p], k = Math.round(v * 255);
    if (digitValue(k) !== v) throw new Error(`digit ${digit} image ${index} pixel ${p}: ${v} is not a stored byte value`);
    raw[base + p] = k;
  }
});
// version 2: zero runs coded (format: src/api/digits.ts)
const body = [];
const pixels = raw.subarray(16 + refs.length);
for (let i = 0; i < pixels.length; ) {
  if (pixels[i] !== 0) body.push(pixels[i++]);
  else {
    let r = 0;
    while (i < pixels.length && pixels[i] === 0 && r < 255) (i++, r++);
    body.push(0, r);
  }
}
const out = new Uint8Array(16 + refs.length + body.length);
out.set(raw.subarray(0, 16 + refs.length));
out.set(body, 16 + refs.length);
const path = new URL('../models/mnist-digits.bin', import.meta.url);
writeFileSync(path, out);
console.log(`wrote models/mnist-digits.bin: ${TRAIN} train + ${test} test images, ${out.length} bytes`);
