import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, type Batch, type Dataset } from '../../../src/data/dataset.js';
import { openDataset } from '../../../src/data/node-files.js';
import { npyDataset, parseNpy, type NpyArray } from '../../../src/data/npy.js';
import { writeNpy } from '../../helpers/npy-writer.js';

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

/** Builds a v1.0 .npy by hand: magic, version, uint16 header length, header text, data. */
function npyV1(header: string, data: number[] = []): Uint8Array {
  return new Uint8Array([0x93, ...ascii('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8, ...ascii(header), ...data]);
}

/** A header dict padded like NumPy does (preamble + header = multiple of 64, ends with '\n'). */
function padded(dict: string, pre = 10): string {
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  return dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
}

async function errorOf(f: (() => unknown) | Promise<unknown>): Promise<string> {
  try {
    if (typeof f === 'function') await f();
    else await f;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

async function collect(ds: Dataset, batchSize: number, limit?: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of ds.batches(batchSize, limit === undefined ? undefined : { limit })) out.push(b);
  return out;
}

describe('golden .npy bytes (as written by numpy.save)', () => {
  // np.save(f, np.array([1, 2, 3], dtype=np.uint8))
  const U8_HEADER = "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }" + ' '.repeat(60) + '\n';
  const U8_GOLDEN = new Uint8Array([
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, // \x93NUMPY
    0x01, 0x00, // version 1.0
    0x76, 0x00, // header length 118 (uint16 LE)
    ...ascii(U8_HEADER),
    1, 2, 3,
  ]);

  it('writeNpy reproduces numpy byte for byte (uint8, v1.0)', () => {
    expect(U8_HEADER.length).toBe(118);
    expect(U8_GOLDEN.length).toBe(131);
    expect(Buffer.from(writeNpy({ dtype: 'uint8', shape: [3], data: new Uint8Array([1, 2, 3]) })).equals(Buffer.from(U8_GOLDEN))).toBe(true);
    const a = parseNpy(U8_GOLDEN);
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([3]);
    expect([...a.data]).toEqual([1, 2, 3]);
  });

  it('float32 2x2 (v1.0) and int64 (v2.0)', () => {
    // np.save(f, np.array([[1.5, -2], [0, 3]], dtype=np.float32))
    const f4 = new Uint8Array([
      0x93, ...ascii('NUMPY'), 1, 0, 0x76, 0x00,
      ...ascii("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }" + ' '.repeat(58) + '\n'),
      ...[0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x40],
    ]);
    const w = writeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array([1.5, -2, 0, 3]) });
    expect(Buffer.from(w).equals(Buffer.from(f4))).toBe(true);
    expect([...parseNpy(f4).data]).toEqual([1.5, -2, 0, 3]);

    // np.lib.format.write_array(f, np.array([7, -1], dtype=np.int64), version=(2, 0))
    const i8v2 = new Uint8Array([
      0x93, ...ascii('NUMPY'), 2, 0, 0x74, 0x00, 0x00, 0x00, // header length 116 (uint32 LE)
      ...ascii("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }" + ' '.repeat(58) + '\n'),
      7, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    const w2 = writeNpy({ dtype: 'int64', shape: [2], data: new BigInt64Array([7n, -1n]) }, { version: 2 });
    expect(Buffer.from(w2).equals(Buffer.from(i8v2))).toBe(true);
    const p = parseNpy(i8v2);
    expect(p.dtype).toBe('int64');
    expect([...p.data]).toEqual([7n, -1n]);
  });
});

describe('writeNpy / parseNpy round trips', () => {
  const cases: NpyArray[] = [
    { dtype: 'float32', shape: [2, 3, 4, 5], data: Float32Array.from({ length: 120 }, (_, i) => i * 0.37 - 11) },
    { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) },
    { dtype: 'uint8', shape: [4, 1, 2, 2], data: Uint8Array.from({ length: 16 }, (_, i) => (i * 37) & 255) },
    { dtype: 'int64', shape: [5], data: new BigInt64Array([0n, 9n, -3n, 2n ** 40n, -(2n ** 62n)]) },
    { dtype: 'int32', shape: [3], data: new Int32Array([1, -2, 2 ** 31 - 1]) },
    { dtype: 'int8', shape: [2, 2], data: new Int8Array([-128, 127, 0, 5]) },
    { dtype: 'float32', shape: [], data: new Float32Array([42.5]) },
  ];
  for (const c of cases) {
    for (const version of [1, 2, 3] as const) {
      it(`${c.dtype} shape [${c.shape.join(',')}] v${version}.0`, () => {
        const bytes = writeNpy(c, { version });
        expect(bytes[6]).toBe(version);
        const pre = version === 1 ? 10 : 12;
        const hlen = version === 1 ? bytes[8]! | (bytes[9]! << 8) : new DataView(bytes.buffer).getUint32(8, true);
        expect((pre + hlen) % 64).toBe(0);
        expect(bytes[pre + hlen - 1]).toBe(0x0a);
        // parse from an unaligned view to make sure alignment does not matter
        const shifted = new Uint8Array(bytes.length + 1);
        shifted.set(bytes, 1);
        const back = parseNpy(shifted.subarray(1));
        expect(back.dtype).toBe(c.dtype);
        expect(back.shape).toEqual(c.shape);
        expect(back.data.constructor).toBe(c.data.constructor);
        expect([...back.data]).toEqual([...c.data]);
        // a Node Buffer at an odd offset inside a larger pool (Buffer.slice is a view)
        const pool = Buffer.alloc(bytes.length + 7, 0xee);
        pool.set(bytes, 3);
        const fromBuffer = parseNpy(pool.subarray(3, 3 + bytes.length));
        expect([...fromBuffer.data]).toEqual([...c.data]);
      });
    }
  }

  it('parses headers as other writers produce them (double quotes, no trailing comma, u1, spaces)', () => {
    const h = '{"descr":"u1","shape":(2,3),"fortran_order":False}\n';
    const a = parseNpy(npyV1(h, [1, 2, 3, 4, 5, 6]));
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([2, 3]);
    const scalar = parseNpy(npyV1(padded("{'descr': '<i4', 'fortran_order': False, 'shape': (), }"), [7, 0, 0, 0]));
    expect(scalar).toMatchObject({ dtype: 'int32', shape: [] });
    expect([...scalar.data]).toEqual([7]);
    expect(parseNpy(npyV1(padded("{'descr': '<i1', 'fortran_order': False, 'shape': ( 2 , ) }"), [1, 255])).data).toEqual(new Int8Array([1, -1]));
  });
});

describe('parseNpy errors', () => {
  const good = writeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) });

  it('bad magic', async () => {
    const b = good.slice();
    b[1] = 0x58;
    expect(await errorOf(() => parseNpy(b, 'x.npy'))).toBe('x.npy: not a .npy file (missing the \\x93NUMPY magic)');
    expect(await errorOf(() => parseNpy(new Uint8Array(3), 'tiny.npy'))).toMatch(/tiny\.npy: not a \.npy file/);
  });

  it('unsupported version', async () => {
    const b = good.slice();
    b[6] = 4;
    expect(await errorOf(() => parseNpy(b, 'v.npy'))).toBe('v.npy: unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)');
  });

  it('header length past the end of the file', async () => {
    const b = good.slice(0, 60);
    expect(await errorOf(() => parseNpy(b, 'h.npy'))).toBe('h.npy: .npy header length 118 runs past the end of the file (60 bytes)');
  });

  it('fortran order', async () => {
    const b = npyV1(padded("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"), new Array(24).fill(0));
    expect(await errorOf(() => parseNpy(b, 'f.npy'))).toMatch(/^f\.npy: Fortran-order \(column-major\) arrays are not supported/);
  });

  it('truncated data names expected vs actual bytes', async () => {
    const b = good.slice(0, good.length - 5);
    expect(await errorOf(() => parseNpy(b, 't.npy'))).toBe(
      "t.npy: truncated data: shape (2, 3) of '<f4' needs 24 data bytes, the file has 19",
    );
    const extra = new Uint8Array(good.length + 2);
    extra.set(good);
    expect(await errorOf(() => parseNpy(extra, 't.npy'))).toBe(
      "t.npy: trailing bytes after the data: shape (2, 3) of '<f4' needs 24 data bytes, the file has 26",
    );
  });

  it('wrong headers', async () => {
    const bad = async (dict: string) => errorOf(() => parseNpy(npyV1(padded(dict)), 'w.npy'));
    const msg = /^w\.npy: bad \.npy header: expected \{'descr': <str>, 'fortran_order': True\|False, 'shape': \(<ints>\)\}, got "/;
    expect(await bad("{'descr': '<f4', 'shape': (0,), }")).toMatch(msg);
    expect(await bad("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'extra': 1}")).toMatch(msg);
    expect(await bad("{'descr': '<f4', 'fortran_order': False, 'shape': (0,)")).toMatch(msg);
    expect(await bad("__import__('os').system('x')")).toMatch(msg);
    expect(await bad("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")).toMatch(msg);
    expect(await bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }")).toMatch(msg);
    expect(await bad("{'descr': '<f4', 'fortran_order': 0, 'shape': (0,), }")).toMatch(msg);
    expect(await bad("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (0,), }")).toMatch(msg); // structured dtype
    expect(await bad("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), } junk")).toMatch(msg);
    expect(await bad("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (0,), }")).toMatch(msg);
  });

  it('unsupported dtypes', async () => {
    const d = async (descr: string) => errorOf(() => parseNpy(npyV1(padded(`{'descr': '${descr}', 'fortran_order': False, 'shape': (0,), }`)), 'd.npy'));
    expect(await d('<f8')).toBe("d.npy: unsupported dtype '<f8'; supported: '<f4', '|u1', '|i1', '<i4', '<i8'");
    expect(await d('>f4')).toMatch(/unsupported dtype '>f4' \(big-endian data is not supported\)/);
  });
});

describe('npyDataset', () => {
  const N = 5;
  const u8 = Uint8Array.from({ length: N * 3 * 2 * 2 }, (_, i) => (i * 29) % 256);
  const imagesU8: NpyArray = { dtype: 'uint8', shape: [N, 3, 2, 2], data: u8 };
  const labelsI8: NpyArray = { dtype: 'int64', shape: [N], data: new BigInt64Array([3n, 1n, 4n, 1n, 5n]) };

  it('uint8 images: /255 then per-channel mean/std; labels from int64', async () => {
    const norm = { mean: [0.5, 0.25, 0], std: [0.5, 2, 1] };
    const ds = npyDataset(imagesU8, labelsI8, norm);
    expect(ds.shape).toEqual({ c: 3, h: 2, w: 2 });
    expect(ds.size).toBe(5);
    const bs = await collect(ds, 2);
    expect(bs.map((b) => b.count)).toEqual([2, 2, 1]);
    expect(bs.flatMap((b) => [...b.labels])).toEqual([3, 1, 4, 1, 5]);
    const all = bs.flatMap((b) => [...b.images]);
    for (let k = 0; k < u8.length; k++) {
      const c = Math.floor(k / 4) % 3;
      expect(all[k]).toBe(Math.fround((u8[k]! / 255 - norm.mean[c]!) / norm.std[c]!));
    }
    expect((await collect(ds, 4, 3)).map((b) => b.count)).toEqual([3]);
  });

  it('float32 images are used as-is; [N, H, W] means C = 1', async () => {
    const f = Float32Array.from({ length: 3 * 4 * 4 }, (_, i) => i - 20.25);
    const ds = npyDataset(
      { dtype: 'float32', shape: [3, 4, 4], data: f },
      { dtype: 'uint8', shape: [3], data: new Uint8Array([0, 1, 2]) },
      { mean: [100], std: [7] }, // ignored for float32 images
    );
    expect(ds.shape).toEqual({ c: 1, h: 4, w: 4 });
    const bs = await collect(ds, 2);
    expect(bs.map((b) => b.count)).toEqual([2, 1]);
    expect([...bs[0]!.images, ...bs[1]!.images]).toEqual([...f]);
    expect([...bs[1]!.labels]).toEqual([2]);
  });

  it('round trip through files with openDataset (default and explicit labels)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dq-npy-'));
    try {
      const img = path.join(dir, 'x_test.npy');
      writeFileSync(img, writeNpy(imagesU8));
      // no labels file yet
      expect(await errorOf(openDataset(img, 'npy', {}))).toBe(
        `no labels file for ${img}: tried ${path.join(dir, 'x_test_labels.npy')}, ${path.join(dir, 'labels.npy')}; pass the labels .npy explicitly (--labels)`,
      );
      writeFileSync(path.join(dir, 'labels.npy'), writeNpy(labelsI8));
      let ds = await openDataset(img, 'npy', {});
      expect((await collect(ds, 10))[0]!.labels).toEqual(new Uint8Array([3, 1, 4, 1, 5]));
      // <stem>_labels.npy wins over labels.npy
      writeFileSync(path.join(dir, 'x_test_labels.npy'), writeNpy({ dtype: 'int32', shape: [N], data: new Int32Array([9, 8, 7, 6, 5]) }));
      ds = await openDataset(img, 'npy', {});
      expect((await collect(ds, 10))[0]!.labels).toEqual(new Uint8Array([9, 8, 7, 6, 5]));
      // explicit labels
      const other = path.join(dir, 'other.npy');
      writeFileSync(other, writeNpy({ dtype: 'int8', shape: [N], data: new Int8Array([0, 0, 1, 1, 2]) }));
      ds = await openDataset(img, 'npy', { labels: other });
      expect((await collect(ds, 10))[0]!.labels).toEqual(new Uint8Array([0, 0, 1, 1, 2]));
      expect(await errorOf(openDataset(img, 'npy', { labels: path.join(dir, 'nope.npy') }))).toBe(
        `no such file: ${path.join(dir, 'nope.npy')}`,
      );
      expect(await errorOf(openDataset(path.join(dir, 'missing.npy'), 'npy', {}))).toBe(`no such file: ${path.join(dir, 'missing.npy')}`);
      // a broken labels file is reported with its path
      const broken = path.join(dir, 'broken.npy');
      writeFileSync(broken, writeNpy(labelsI8).slice(0, 130));
      expect(await errorOf(openDataset(img, 'npy', { labels: broken }))).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: truncated data`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validation errors', async () => {
    const lab = (n: number) => ({ dtype: 'uint8' as const, shape: [n], data: new Uint8Array(n) });
    expect(await errorOf(() => npyDataset(imagesU8, lab(4)))).toBe('labels: 4 labels for 5 images in images');
    expect(await errorOf(() => npyDataset({ dtype: 'uint8', shape: [5, 12], data: u8 }, lab(5)))).toBe(
      'images: images must have shape [N, C, H, W] or [N, H, W], got (5, 12)',
    );
    expect(await errorOf(() => npyDataset({ dtype: 'int32', shape: [5, 3, 2, 2], data: new Int32Array(60) }, lab(5)))).toMatch(
      /images must be '<f4' \(float32\) or '\|u1' \(uint8\), got '<i4'/,
    );
    expect(await errorOf(() => npyDataset(imagesU8, { dtype: 'int64', shape: [5], data: new BigInt64Array([0n, 1n, 300n, 0n, 0n]) }))).toBe(
      'labels: label 300 at index 2 is out of range 0..255',
    );
    expect(await errorOf(() => npyDataset(imagesU8, { dtype: 'uint8', shape: [5, 1], data: new Uint8Array(5) }))).toBe(
      'labels: labels must have shape [N], got (5, 1)',
    );
    expect(await errorOf(() => npyDataset(imagesU8, { dtype: 'float32', shape: [5], data: new Float32Array(5) }))).toMatch(
      /labels must be integers/,
    );
    expect(await errorOf(() => npyDataset(imagesU8, lab(5), { mean: [0], std: [1] }))).toMatch(/mean has 1 value\(s\), the data has 3 channel/);
  });
});
