import { openSync, readSync, closeSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CIFAR10_RECORD_BYTES,
  chunksOf,
  cifar10Dataset,
  cifar10FromBytes,
} from '../../../src/data/cifar10.js';
import {
  DataError,
  parseFloatList,
  validateNormalization,
  type Batch,
  type Dataset,
} from '../../../src/data/dataset.js';
import { openDataset } from '../../../src/data/node-files.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TEST_BIN = path.resolve(repoRoot, '..', 'shared', 'data', 'cifar10', 'test.bin');
const R = CIFAR10_RECORD_BYTES;
const CIFAR_NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The first `n` records of the real CIFAR-10 test batch, read straight from the file. */
function firstRecords(n: number): Uint8Array {
  const buf = new Uint8Array(n * R);
  const fd = openSync(TEST_BIN, 'r');
  try {
    expect(readSync(fd, buf, 0, buf.length, 0)).toBe(buf.length);
  } finally {
    closeSync(fd);
  }
  return buf;
}

async function collect(ds: Dataset, batchSize: number, limit?: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of ds.batches(batchSize, limit === undefined ? undefined : { limit })) out.push(b);
  return out;
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as Error;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

/** Fast exact equality of two batch lists (vitest's deep toEqual is slow on big typed arrays). */
function expectSameBatches(got: Batch[], want: Batch[]): void {
  expect(got.map((b) => b.count)).toEqual(want.map((b) => b.count));
  got.forEach((b, i) => {
    expect(Buffer.from(b.labels).equals(Buffer.from(want[i]!.labels))).toBe(true);
    const x = Buffer.from(b.images.buffer, b.images.byteOffset, b.images.byteLength);
    const y = Buffer.from(want[i]!.images.buffer, want[i]!.images.byteOffset, want[i]!.images.byteLength);
    expect(x.equals(y)).toBe(true);
  });
}

function concat(batches: Batch[]): { images: Float32Array; labels: Uint8Array } {
  const n = batches.reduce((a, b) => a + b.count, 0);
  const images = new Float32Array(n * 3072);
  const labels = new Uint8Array(n);
  let k = 0;
  for (const b of batches) {
    expect(b.images.length).toBe(b.count * 3072);
    expect(b.labels.length).toBe(b.count);
    images.set(b.images, k * 3072);
    labels.set(b.labels, k);
    k += b.count;
  }
  return { images, labels };
}

const bytes50 = firstRecords(50);

describe('CIFAR-10 reader on the real test batch', () => {
  it('first record: label and pixels match the raw bytes', async () => {
    const ds = await openDataset(TEST_BIN, 'cifar10', {});
    expect(ds.size).toBe(10000);
    expect(ds.shape).toEqual({ c: 3, h: 32, w: 32 });
    const [b] = await collect(ds, 4, 4);
    expect(b!.count).toBe(4);
    // test_batch.bin starts with a cat (label 3).
    expect(b!.labels[0]).toBe(3);
    expect(b!.labels[0]).toBe(bytes50[0]);
    expect(b!.labels[1]).toBe(bytes50[R]);
    // pixel (c, y, x) of image i sits at byte i*3073 + 1 + c*1024 + y*32 + x.
    for (const [c, y, x] of [[0, 0, 0], [0, 5, 7], [1, 0, 0], [1, 31, 31], [2, 16, 3]] as const) {
      const raw = bytes50[1 + c * 1024 + y * 32 + x]!;
      expect(b!.images[c * 1024 + y * 32 + x]).toBe(Math.fround(raw / 255));
    }
    expect(bytes50[1]).toBe(0x9e); // R(0,0) of the first image
    expect(b!.images[0]).toBe(Math.fround(0x9e / 255));
    // second image, G plane pixel (2, 9)
    expect(b!.images[3072 + 1024 + 2 * 32 + 9]).toBe(Math.fround(bytes50[R + 1 + 1024 + 2 * 32 + 9]! / 255));
  });

  it('streams the whole file: 10000 records, 1000 per class', async () => {
    const ds = await openDataset(TEST_BIN, 'cifar10', { norm: CIFAR_NORM });
    const counts = new Array<number>(10).fill(0);
    let n = 0;
    let batches = 0;
    for await (const b of ds.batches(3000)) {
      batches++;
      n += b.count;
      for (const l of b.labels) counts[l]!++;
      expect(b.images.length).toBe(b.count * 3072);
    }
    expect(batches).toBe(4); // 3000+3000+3000+1000
    expect(n).toBe(10000);
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('applies (pixel/255 - mean[c]) / std[c] per channel', async () => {
    const ds = cifar10FromBytes(bytes50, CIFAR_NORM);
    const [b] = await collect(ds, 2, 2);
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 3; c++) {
        for (const p of [0, 1, 100, 517, 1023]) {
          const raw = bytes50[i * R + 1 + c * 1024 + p]!;
          const want = Math.fround((raw / 255 - CIFAR_NORM.mean[c]!) / CIFAR_NORM.std[c]!);
          expect(b!.images[i * 3072 + c * 1024 + p]).toBe(want);
        }
      }
    }
    // extremes of the mapping
    const rec = new Uint8Array(R);
    rec[1] = 0;
    rec[1 + 1024] = 255;
    const [z] = await collect(cifar10FromBytes(rec, CIFAR_NORM), 1);
    expect(z!.images[0]).toBeCloseTo(-0.485 / 0.229, 6);
    expect(z!.images[1024]).toBeCloseTo((1 - 0.456) / 0.224, 6);
  });

  it('gives the same batches for any chunking (1 KB, 3073, 7777, whole, 1 byte, unknown size)', async () => {
    const ref = await collect(cifar10FromBytes(bytes50, CIFAR_NORM, 'x', bytes50.length), 7);
    expect(ref.map((b) => b.count)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    for (const chunk of [1024, 3073, 7777, 3072, 3074, 100_000]) {
      expectSameBatches(await collect(cifar10FromBytes(bytes50, CIFAR_NORM, 'x', chunk), 7), ref);
    }
    // 1-byte chunks (on 3 records, to stay fast)
    const three = bytes50.slice(0, 3 * R);
    expectSameBatches(
      await collect(cifar10FromBytes(three, CIFAR_NORM, 'x', 1), 2),
      await collect(cifar10FromBytes(three, CIFAR_NORM, 'x', three.length), 2),
    );
    const unknown = cifar10Dataset({ open: () => chunksOf(bytes50, 7777) }, CIFAR_NORM);
    expect(unknown.size).toBeNaN();
    expectSameBatches(await collect(unknown, 7), ref);
  });

  it('batch sizes that do not divide N, and limit', async () => {
    const ds = cifar10FromBytes(bytes50, undefined, 'x', 5000);
    expect((await collect(ds, 16)).map((b) => b.count)).toEqual([16, 16, 16, 2]);
    expect((await collect(ds, 64)).map((b) => b.count)).toEqual([50]);
    expect((await collect(ds, 5, 13)).map((b) => b.count)).toEqual([5, 5, 3]);
    expect((await collect(ds, 5, 0)).length).toBe(0);
    expect((await collect(ds, 20, 1000)).map((b) => b.count)).toEqual([20, 20, 10]);
    const all = concat(await collect(ds, 16));
    const lim = concat(await collect(ds, 4, 13));
    expectSameBatches(
      [{ images: lim.images, labels: lim.labels, count: 13 }],
      [{ images: all.images.slice(0, 13 * 3072), labels: all.labels.slice(0, 13), count: 13 }],
    );
    // limit on an unknown-size source
    const unknown = cifar10Dataset({ open: () => chunksOf(bytes50, 1000) });
    expect((await collect(unknown, 5, 13)).map((b) => b.count)).toEqual([5, 5, 3]);
    expect((await errorOf(() => ds.batches(0))).message).toMatch(/batch size must be a positive integer, got 0/);
    expect((await errorOf(() => ds.batches(2, { limit: -1 }))).message).toMatch(/limit must be a non-negative integer/);
  });

  it('can be iterated repeatedly (each batches() call restarts)', async () => {
    const ds = await openDataset(TEST_BIN, 'cifar10', {});
    const a = await collect(ds, 3, 5);
    const b = await collect(ds, 3, 5);
    expectSameBatches(b, a);
  });
});

describe('CIFAR-10 errors', () => {
  it('size not a multiple of 3073 is reported before any data (known size)', async () => {
    const bad = bytes50.slice(0, 3073 * 2 + 5);
    const e = await errorOf(() => cifar10FromBytes(bad, undefined, 'trunc.bin'));
    expect(e.message).toContain('trunc.bin');
    expect(e.message).toContain('6151 bytes');
    expect(e.message).toContain('2 records + 5 extra bytes');
    expect(e.message).not.toContain('\n');
  });

  it('size not a multiple of 3073 with an unknown size fails at the end of the stream', async () => {
    const bad = bytes50.slice(0, 3073 * 2 + 5);
    const ds = cifar10Dataset({ open: () => chunksOf(bad, 1000), name: 'stream' });
    const e = await errorOf(collect(ds, 10));
    expect(e.message).toMatch(/stream: size 6151 bytes is not a multiple of the 3073-byte CIFAR-10 record \(2 records \+ 5 extra bytes/);
  });

  it('a truncated file on disk fails in openDataset', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dq-cifar-'));
    try {
      const f = path.join(dir, 'trunc.bin');
      writeFileSync(f, bytes50.slice(0, 3073 * 2 + 5));
      const e = await errorOf(openDataset(f, 'cifar10', {}));
      expect(e.message).toContain(f);
      expect(e.message).toContain('6151 bytes is not a multiple of the 3073-byte');
      const g = path.join(dir, 'ok.bin');
      writeFileSync(g, bytes50.slice(0, 3073 * 3));
      const ds = await openDataset(g, 'cifar10', {});
      expect((await collect(ds, 2)).map((b) => b.count)).toEqual([2, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a label > 9 names the record index', async () => {
    const bad = bytes50.slice(0, 5 * R);
    bad[3 * R] = 10;
    const ds = cifar10FromBytes(bad, undefined, 'bad.bin', 4000);
    const e = await errorOf(collect(ds, 2));
    expect(e.message).toBe('bad.bin: record 3 (byte offset 9219) has label 10, expected 0..9');
    // a limit that stops before the bad record does not hit it
    expect((await collect(ds, 2, 3)).length).toBe(2);
  });

  it('empty file', async () => {
    expect((await errorOf(() => cifar10FromBytes(new Uint8Array(0), undefined, 'empty.bin'))).message).toMatch(/empty\.bin: empty file/);
    const ds = cifar10Dataset({ open: () => chunksOf(new Uint8Array(0), 10), name: 'e' });
    expect((await errorOf(collect(ds, 1))).message).toMatch(/e: empty file/);
  });

  it('stream shorter than the declared size', async () => {
    const ds = cifar10Dataset({ open: () => chunksOf(bytes50.slice(0, R), 1000), byteLength: 2 * R, name: 's' });
    expect((await errorOf(collect(ds, 5))).message).toBe('s: data ended after 3073 bytes, expected 6146 (file changed while reading?)');
  });

  it('missing file, unknown format, bad normalization', async () => {
    expect((await errorOf(openDataset('/nonexistent/x.bin', 'cifar10', {}))).message).toBe('no such file: /nonexistent/x.bin');
    const e = await errorOf(openDataset(TEST_BIN, 'png' as 'npy', {}));
    expect(e.message).toBe("unknown dataset format 'png' (known: cifar10, npy, mnist)");
    expect((await errorOf(() => cifar10FromBytes(bytes50, { mean: [0, 0, 0], std: [1, 0, 1] }))).message).toMatch(
      /std\[1\] = 0 must be a finite number > 0/,
    );
    expect((await errorOf(() => cifar10FromBytes(bytes50, { mean: [0.5], std: [1] }))).message).toMatch(
      /mean has 1 value\(s\), the data has 3 channel\(s\)/,
    );
  });
});

describe('parseFloatList / validateNormalization', () => {
  it('parses flag values', () => {
    expect(parseFloatList('0.485,0.456,0.406', 3, '--mean')).toEqual([0.485, 0.456, 0.406]);
    expect(parseFloatList(' 1e-1 , -2, .5 ', 3, '--std')).toEqual([0.1, -2, 0.5]);
    expect(parseFloatList('0.1307', 1, '--mean')).toEqual([0.1307]);
  });

  it('rejects bad counts and non-numbers with clear messages', async () => {
    expect((await errorOf(() => parseFloatList('0.1,0.2', 3, '--mean'))).message).toBe(
      "--mean: expected 3 comma-separated number(s), got 2 in '0.1,0.2'",
    );
    expect((await errorOf(() => parseFloatList('0.1,abc,0.3', 3, '--std'))).message).toBe("--std: value 2 'abc' is not a number");
    expect((await errorOf(() => parseFloatList('0.1,,0.3', 3, '--std'))).message).toBe("--std: value 2 '' is not a number");
    expect((await errorOf(() => parseFloatList('0x10', 1, '--std'))).message).toBe("--std: value 1 '0x10' is not a number");
    expect((await errorOf(() => parseFloatList('', 1, '--std'))).message).toMatch(/empty string/);
  });

  it('validateNormalization requires std > 0 and the right channel count', async () => {
    expect(() => validateNormalization({ mean: [0, 0, 0], std: [1, 2, 3] }, 3)).not.toThrow();
    expect((await errorOf(() => validateNormalization({ mean: [0], std: [-1] }, 1))).message).toBe(
      'normalization: std[0] = -1 must be a finite number > 0',
    );
    expect((await errorOf(() => validateNormalization({ mean: [0, 0], std: [1] }, 2))).message).toMatch(/std has 1 value/);
    expect((await errorOf(() => validateNormalization({ mean: [NaN], std: [1] }, 1))).message).toMatch(/mean\[0\] = NaN/);
  });
});
