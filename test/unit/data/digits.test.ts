// models/mnist-digits.bin (format version 2, zero runs coded: src/api/digits.ts): the shipped
// digits are exactly the mnist package's (first 500 train images, the whole test split, each as
// src/data/mnist.ts normalises it), and damaged pixel data is a DataError naming the problem.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDigits } from '../../../src/api/digits.js';
import { DataError } from '../../../src/data/dataset.js';
import { MNIST_NORMALIZATION } from '../../../src/data/mnist.js';
import { openDataset } from '../../../src/data/node-files.js';
import { REPO_ROOT } from '../../helpers/onnx-builder.js';

const FILE = new Uint8Array(readFileSync(join(REPO_ROOT, 'models/mnist-digits.bin')));

describe('shipped digits', () => {
  it('are version 2 and equal the mnist package, image for image and label for label', async () => {
    expect(new DataView(FILE.buffer, FILE.byteOffset).getUint16(4, true)).toBe(2);
    expect(FILE.length).toBeLessThan(600_000); // the package stays small (version 1 was 1,960,016 bytes)
    const d = parseDigits(FILE);
    for (const [split, set, limit] of [['train', d.train, 500], ['test', d.test, 2000]] as const) {
      expect(set.count).toBe(limit);
      const ref = await openDataset(split, 'mnist', { norm: MNIST_NORMALIZATION });
      let at = 0;
      for await (const b of ref.batches(500, { limit })) {
        expect(Buffer.from(new Float32Array(set.images.subarray(at * 784, (at + b.count) * 784)).buffer).equals(Buffer.from(new Float32Array(b.images).buffer))).toBe(true);
        expect([...set.labels.subarray(at, at + b.count)]).toEqual([...b.labels]);
        at += b.count;
      }
      expect(at).toBe(limit);
    }
  });

  it('damaged zero-run data: a DataError naming it', () => {
    const n = 2500, body = 16 + n;
    const cut = (bytes: Uint8Array) => () => parseDigits(bytes);
    expect(cut(FILE.subarray(0, FILE.length - 1))).toThrow(/digits file: (the pixel data holds \d+ pixels, expected 1960000|a zero run at byte \d+ of the pixel data has no length)/);
    expect(cut(Uint8Array.from([...FILE, 7]))).toThrow(/digits file: the pixel data holds more than 1960000 pixels/);
    const zeroRun = FILE.slice();
    zeroRun[body] = 0;
    zeroRun[body + 1] = 0;
    expect(cut(zeroRun)).toThrow(DataError);
    expect(cut(zeroRun)).toThrow(/zero run at byte 0 of the pixel data has length 0/);
    expect(cut(FILE.subarray(0, 100))).toThrow(/too short for 2500 labels/);
  });
});
