// The MNIST digit subset shipped in the package (models/mnist-digits.bin), so the demo, the
// examples and the browser page need no dataset package at run time. Environment-neutral.
//
// File format (little-endian), written by scripts/make-digits.mjs from the `mnist` package:
//   offset 0   4 bytes  magic "DQDG"
//          4   u16      version (2; 1 is read too)
//          6   u16      image side S (28)
//          8   u32      T, train images: the first T of the train split (src/data/mnist.ts order)
//         12   u32      E, test images: the whole test split, in order
//         16   T+E      labels, u8 0..9 (train first, then test)
//   16+T+E     (T+E)*S*S pixels, u8 k, row-major, to the end of the file. Version 1: as they are;
//              version 2: zero runs coded (most MNIST pixels are 0; 4x smaller): a byte b > 0 is
//              one pixel b, a 0 byte is followed by a byte r in 1..255, a run of r zero pixels.
//              The package's value is v = round(1000*k/255)/1000
//              exactly (the package stores k/255 rounded to 3 decimals), so the images
//              (v - 0.1307) / 0.3081 are the same float32 values src/data/mnist.ts produces.

import { DataError } from '../data/dataset.js';
import { MNIST_NORMALIZATION } from '../data/mnist.js';
import type { ImageBatch } from './data.js';

const MAGIC = 'DQDG';
const HEADER = 16;

/** One split held in memory: normalised NCHW float32 images [count, 1, S, S] and labels. */
export interface DigitSet {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
  /** The set as batches of `size` images (default 100), for calibrate/evaluate. */
  batches(size?: number): Iterable<ImageBatch>;
}

export interface Digits {
  train: DigitSet;
  test: DigitSet;
}

/** The pixel value the mnist package stores for byte k. */
export function digitValue(k: number): number {
  return Math.round((1000 * k) / 255) / 1000;
}

/** Parses models/mnist-digits.bin. */
export function parseDigits(bytes: Uint8Array): Digits {
  const bad = (why: string) => new DataError(`digits file: ${why}`);
  if (bytes.length < HEADER || String.fromCharCode(...bytes.subarray(0, 4)) !== MAGIC) throw bad(`not a doubleq digits file (magic '${MAGIC}' missing)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true), side = dv.getUint16(6, true), train = dv.getUint32(8, true), test = dv.getUint32(12, true);
  if (version !== 1 && version !== 2) throw bad(`version ${version} is not supported (expected 1 or 2)`);
  const n = train + test, per = side * side;
  if (side === 0 || (version === 1 && bytes.length !== HEADER + n + n * per)) throw bad(`${bytes.length} bytes, expected ${HEADER + n + n * per} for ${train}+${test} images of ${side}x${side}`);
  if (HEADER + n > bytes.length) throw bad(`${bytes.length} bytes is too short for ${n} labels`);
  const labels = bytes.subarray(HEADER, HEADER + n);
  if (labels.some((l) => l > 9)) throw bad('a label is outside 0..9');
  const lut = new Float32Array(256);
  const { mean, std } = MNIST_NORMALIZATION;
  for (let k = 0; k < 256; k++) lut[k] = (digitValue(k) - mean[0]!) / std[0]!;
  const pixels = version === 1 ? bytes.subarray(HEADER + n) : unpackZeroRuns(bytes.subarray(HEADER + n), n * per, bad);
  const split = (start: number, count: number): DigitSet => {
    const images = new Float32Array(count * per);
    for (let i = 0; i < images.length; i++) images[i] = lut[pixels[start * per + i]!]!;
    return digitSet(images, labels.slice(start, start + count), side);
  };
  return { train: split(0, train), test: split(train, test) };
}

/** Version 2 pixels: zero runs expanded; exactly `count` pixels and no byte left over. */
function unpackZeroRuns(src: Uint8Array, count: number, bad: (why: string) => DataError): Uint8Array {
  const out = new Uint8Array(count);
  let o = 0, i = 0;
  while (i < src.length) {
    const b = src[i++]!;
    if (b !== 0) {
      if (o >= count) throw bad(`the pixel data holds more than ${count} pixels`);
      out[o++] = b;
      continue;
    }
    const run = src[i++];
    if (run === undefined || run === 0) throw bad(`a zero run at byte ${i - 2} of the pixel data has ${run === undefined ? 'no length' : 'length 0'}`);
    if (o + run > count) throw bad(`the pixel data holds more than ${count} pixels`);
    o += run;
  }
  if (o !== count) throw bad(`the pixel data holds ${o} pixels, expected ${count}`);
  return out;
}

function digitSet(images: Float32Array, labels: Uint8Array, side: number): DigitSet {
  const per = side * side, count = labels.length;
  return {
    images, labels, count, shape: [1, side, side],
    *batches(size = 100) {
      if (!Number.isInteger(size) || size < 1) throw new DataError(`batch size must be a positive integer, got ${size}`);
      for (let s = 0; s < count; s += size) {
        const e = Math.min(count, s + size);
        yield { images: images.subarray(s * per, e * per), labels: labels.subarray(s, e) };
      }
    },
  };
}
