/**
 * CIFAR-10 binary format reader (streaming, environment-neutral).
 *
 * Layout: a sequence of 3073-byte records, each 1 label byte (0..9) followed
 * by 1024 R, 1024 G and 1024 B bytes (planar, each plane 32x32 row-major).
 * The planar layout is already CHW, so a record maps onto NCHW directly.
 *
 * The reader consumes an async source of byte chunks of arbitrary sizes;
 * records may span chunk boundaries and the whole file is never held in
 * memory (only one batch of floats plus at most one partial record).
 */
import {
  checkBatchArgs,
  DataError,
  uint8NormalizationTable,
  type Batch,
  type Dataset,
  type ImageShape,
  type Normalization,
} from './dataset.js';

export const CIFAR10_IMAGE_BYTES = 3 * 32 * 32;
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES; // 3073
export const CIFAR10_SHAPE: ImageShape = Object.freeze({ c: 3, h: 32, w: 32 });
export const CIFAR10_CLASSES = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
] as const);

/** A re-readable byte source: `open()` starts a fresh pass over the bytes. */
export interface ChunkSource {
  open(): AsyncIterable<Uint8Array>;
  /** Total byte length, when known (lets size errors surface before any data). */
  byteLength?: number;
  /** Used in error messages, e.g. the file path. */
  name?: string;
}

/**
 * Checks a known total byte length: non-empty and a whole number of records.
 * Returns the number of records.
 */
export function cifar10RecordCount(byteLength: number, name = 'CIFAR-10 data'): number {
  if (byteLength === 0) throw new DataError(`${name}: empty file (a CIFAR-10 file holds 3073-byte records)`);
  const rem = byteLength % CIFAR10_RECORD_BYTES;
  if (rem !== 0) {
    throw new DataError(
      `${name}: size ${byteLength} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 record ` +
        `(${Math.floor(byteLength / CIFAR10_RECORD_BYTES)} records + ${rem} extra bytes; truncated or not CIFAR-10 binary?)`,
    );
  }
  return byteLength / CIFAR10_RECORD_BYTES;
}

/**
 * A CIFAR-10 dataset over a chunk source. `norm` (per RGB channel) is applied
 * as `(pixel/255 - mean[c]) / std[c]`; without it pixels become pixel/255.
 * With a known `byteLength` the size is validated here (before any data is
 * read); otherwise `size` is NaN and size problems surface at the end of the
 * stream.
 */
export function cifar10Dataset(source: ChunkSource, norm?: Normalization): Dataset {
  const name = source.name ?? 'CIFAR-10 data';
  const lut = uint8NormalizationTable(norm, 3);
  const known = source.byteLength !== undefined;
  const size = known ? cifar10RecordCount(source.byteLength!, name) : NaN;

  return {
    shape: CIFAR10_SHAPE,
    size,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      const limit = checkBatchArgs(batchSize, opts);
      return {
        [Symbol.asyncIterator]: () => readBatches(source, name, known ? size : undefined, lut, batchSize, limit),
      };
    },
  };
}

/** Convenience: a dataset over bytes already in memory (served in `chunkSize` pieces). */
export function cifar10FromBytes(bytes: Uint8Array, norm?: Normalization, name?: string, chunkSize = 1 << 20): Dataset {
  return cifar10Dataset({ open: () => chunksOf(bytes, chunkSize), byteLength: bytes.length, name }, norm);
}

/** Splits `bytes` into views of at most `chunkSize` bytes (for tests and in-memory sources). */
export async function* chunksOf(bytes: Uint8Array, chunkSize: number): AsyncGenerator<Uint8Array> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new DataError(`chunk size must be a positive integer, got ${chunkSize}`);
  for (let off = 0; off < bytes.length; off += chunkSize) yield bytes.subarray(off, Math.min(bytes.length, off + chunkSize));
}

async function* readBatches(
  source: ChunkSource,
  name: string,
  knownRecords: number | undefined,
  lut: Float32Array,
  batchSize: number,
  limit: number,
): AsyncGenerator<Batch> {
  const total = knownRecords === undefined ? limit : Math.min(limit, knownRecords);
  if (total === 0) return;
  const R = CIFAR10_RECORD_BYTES;
  const P = 1024;

  let produced = 0; // records converted so far (global record index of the next one)
  let bytesSeen = 0;
  let images: Float32Array | null = null;
  let labels: Uint8Array | null = null;
  let fill = 0; // records in the current batch
  const partial = new Uint8Array(R);
  let partialFill = 0;

  const newBatch = () => {
    const cap = Number.isFinite(total) ? Math.min(batchSize, total - produced) : batchSize;
    images = new Float32Array(cap * CIFAR10_IMAGE_BYTES);
    labels = new Uint8Array(cap);
    fill = 0;
  };

  // Converts one record starting at rec[off]; returns a finished batch or null.
  const take = (rec: Uint8Array, off: number): Batch | null => {
    const label = rec[off]!;
    if (label > 9) {
      throw new DataError(`${name}: record ${produced} (byte offset ${produced * R}) has label ${label}, expected 0..9`);
    }
    if (images === null) newBatch();
    const img = images!;
    labels![fill] = label;
    const base = fill * CIFAR10_IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const src = off + 1 + c * P;
      const dst = base + c * P;
      const lo = c * 256;
      for (let p = 0; p < P; p++) img[dst + p] = lut[lo + rec[src + p]!]!;
    }
    fill++;
    produced++;
    if (fill === labels!.length || produced === total) {
      const batch = finish();
      return batch;
    }
    return null;
  };

  const finish = (): Batch => {
    let img = images!;
    let lab = labels!;
    if (fill < lab.length) {
      img = img.slice(0, fill * CIFAR10_IMAGE_BYTES);
      lab = lab.slice(0, fill);
    }
    images = null;
    labels = null;
    const count = fill;
    fill = 0;
    return { images: img, labels: lab, count };
  };

  for await (const chunk of source.open()) {
    bytesSeen += chunk.length;
    let pos = 0;
    if (partialFill > 0) {
      const need = R - partialFill;
      const n = Math.min(need, chunk.length);
      partial.set(chunk.subarray(0, n), partialFill);
      partialFill += n;
      pos = n;
      if (partialFill < R) continue;
      partialFill = 0;
      const b = take(partial, 0);
      if (b) yield b;
      if (produced >= total) return;
    }
    while (pos + R <= chunk.length) {
      const b = take(chunk, pos);
      pos += R;
      if (b) yield b;
      if (produced >= total) return;
    }
    if (pos < chunk.length) {
      partial.set(chunk.subarray(pos), 0);
      partialFill = chunk.length - pos;
    }
    if (knownRecords !== undefined && bytesSeen > knownRecords * R) {
      throw new DataError(`${name}: data is longer than the expected ${knownRecords * R} bytes (file changed while reading?)`);
    }
  }

  if (knownRecords !== undefined && bytesSeen !== knownRecords * R) {
    throw new DataError(`${name}: data ended after ${bytesSeen} bytes, expected ${knownRecords * R} (file changed while reading?)`);
  }
  if (bytesSeen === 0) throw new DataError(`${name}: empty file (a CIFAR-10 file holds 3073-byte records)`);
  if (partialFill > 0) {
    throw new DataError(
      `${name}: size ${bytesSeen} bytes is not a multiple of the ${R}-byte CIFAR-10 record ` +
        `(${Math.floor(bytesSeen / R)} records + ${partialFill} extra bytes; truncated or not CIFAR-10 binary?)`,
    );
  }
  if (fill > 0) yield finish();
}
