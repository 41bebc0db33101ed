// Image batches as the library takes them: any iterable or async iterable of
// { images, labels? }, images NCHW float32 already normalised for the model.

import { DataError, type Batch, type Dataset } from '../data/dataset.js';
import { checkAbort, type CallOptions } from './progress.js';

export interface ImageBatch {
  /** NCHW float32, a whole number of images of the model's input shape */
  images: Float32Array;
  /** one class index per image (needed to evaluate; optional for calibration) */
  labels?: ArrayLike<number>;
}

export type ImageSource = Iterable<ImageBatch> | AsyncIterable<ImageBatch>;

/** Images gathered in memory. */
export interface ImageSet {
  images: Float32Array;
  labels: Uint8Array | undefined;
  count: number;
  shape: [number, number, number];
}

/** Throws unless `x` is an iterable or async iterable (of batches). */
export function checkSource(x: unknown, what: string): asserts x is ImageSource {
  if (!(x !== null && typeof x === 'object' && (Symbol.iterator in x || Symbol.asyncIterator in x)))
    throw new DataError(`${what}: expected an iterable or async iterable of { images, labels? } batches`);
}

/** Checks one batch against the per-image shape; returns its image count. */
export function batchCount(b: ImageBatch, per: number, index: number): number {
  if (!b || !(b.images instanceof Float32Array)) throw new DataError(`batch ${index}: images must be a Float32Array`);
  const n = b.images.length / per;
  if (!Number.isInteger(n) || n < 1) throw new DataError(`batch ${index}: ${b.images.length} values is not a whole number of images of ${per} values`);
  if (b.labels !== undefined) {
    if (b.labels.length !== n) throw new DataError(`batch ${index}: ${b.labels.length} labels for ${n} images`);
    for (let i = 0; i < n; i++) {
      const l = b.labels[i]!;
      if (!Number.isInteger(l) || l < 0 || l > 255) throw new DataError(`batch ${index}: label ${i} is ${l}, expected a class index 0..255`);
    }
  }
  return n;
}

/** Reads up to `limit` images of a source into memory (labels kept only if every batch has them). */
export async function collect(source: ImageSource, shape: readonly number[], limit: number, o?: CallOptions & { stage?: string }): Promise<ImageSet> {
  checkSource(source, o?.stage ?? 'images');
  const [c, h, w] = shape as [number, number, number];
  const per = c * h * w;
  const parts: { images: Float32Array; labels?: ArrayLike<number>; n: number }[] = [];
  let count = 0, labelled = true, index = 0;
  for await (const b of source as AsyncIterable<ImageBatch>) {
    checkAbort(o?.signal);
    const n = batchCount(b, per, index++);
    const take = Math.min(n, limit - count);
    parts.push({ images: b.images.subarray(0, take * per), labels: b.labels, n: take });
    labelled &&= b.labels !== undefined;
    count += take;
    o?.onProgress?.({ stage: o.stage ?? 'read', done: count, total: Number.isFinite(limit) ? limit : NaN });
    if (count >= limit) break;
  }
  if (count === 0) throw new DataError('images: the source gave no images');
  const images = new Float32Array(count * per);
  const labels = labelled ? new Uint8Array(count) : undefined;
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * per);
    if (labels) for (let i = 0; i < p.n; i++) labels[at + i] = p.labels![i]!;
    at += p.n;
  }
  return { images, labels, count, shape: [c, h, w] };
}

/** An in-memory set as the internals' Dataset (re-readable, so several passes work). */
export function setDataset(s: ImageSet): Dataset {
  const [c, h, w] = s.shape, per = c * h * w;
  return {
    shape: { c, h, w },
    size: s.count,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new DataError(`batch size must be a positive integer, got ${batchSize}`);
      const limit = Math.min(s.count, opts?.limit ?? Infinity);
      return {
        async *[Symbol.asyncIterator]() {
          for (let a = 0; a < limit; a += batchSize) {
            const e = Math.min(limit, a + batchSize);
            yield { images: s.images.slice(a * per, e * per), labels: s.labels ? s.labels.slice(a, e) : new Uint8Array(e - a), count: e - a };
          }
        },
      };
    },
  };
}
