/**
 * NumPy `.npy` reader (what `numpy.save` writes), environment-neutral.
 *
 * Layout: magic `\x93NUMPY`, version bytes (1.0, 2.0 or 3.0), header length (uint16 LE for 1.0,
 * uint32 LE otherwise), the header `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
 * padded with spaces to a 64-byte boundary and ended by '\n', then the C-order data.
 * Dtypes: '<f4', '|u1', '|i1', '<i4', '<i8' (numpy writes u1/i1 with '|'). Fortran order and
 * big-endian data are rejected. The header is matched, never evaluated.
 */
import { checkBatchArgs, DataError, uint8NormalizationTable, validateNormalization, type Batch, type Dataset, type ImageShape, type Normalization } from './dataset.js';

export type NpyDtype = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';
export type NpyData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

export const NPY_DESCR: Record<NpyDtype, string> = { float32: '<f4', uint8: '|u1', int8: '|i1', int32: '<i4', int64: '<i8' };
const DTYPES = new Map(Object.entries(NPY_DESCR).map(([d, s]) => [s, d as NpyDtype]));
const ARRAY = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array, int64: BigInt64Array };
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export const shapeStr = (shape: readonly number[]) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/** The three header entries; keys in any order, either quote style, as numpy and other writers emit them. */
function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const body = /^\s*\{(.*)\}\s*$/s.exec(text)?.[1];
  const entry = (key: string, value: string) => body && new RegExp(`(?:^|,)\\s*['"]${key}['"]\\s*:\\s*${value}\\s*(?=,|$)`).exec(body)?.[1];
  const descr = entry('descr', `['"]([^'"]*)['"]`);
  const fortran = entry('fortran_order', '(True|False)');
  const shape = entry('shape', '\\(((?:\\s*\\d+\\s*,)*(?:\\s*\\d+)?\\s*)\\)');
  const keys = body ? [...body.matchAll(/['"](\w+)['"]\s*:/g)].map((m) => m[1]).sort().join() : '';
  if (descr === undefined || fortran === undefined || shape === undefined || keys !== 'descr,fortran_order,shape')
    throw new DataError(`${name}: bad .npy header: expected {'descr': <str>, 'fortran_order': True|False, 'shape': (<ints>)}, got ${JSON.stringify(text.trim().slice(0, 120))}`);
  return { descr, fortran: fortran === 'True', shape: shape.split(',').filter((s) => s.trim() !== '').map(Number) };
}

/** Parses a complete .npy file; the data is a fresh aligned copy. `name` appears in errors. */
export function parseNpy(bytes: Uint8Array, name = '.npy data'): NpyArray {
  if (bytes.length < 10 || ![0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59].every((b, i) => bytes[i] === b)) throw new DataError(`${name}: not a .npy file (missing the \\x93NUMPY magic)`);
  const [major, minor] = [bytes[6]!, bytes[7]!];
  if (major < 1 || major > 3 || minor !== 0) throw new DataError(`${name}: unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12) throw new DataError(`${name}: .npy file too short for a version ${major}.0 preamble`);
  const start = major === 1 ? 10 : 12, headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (start + headerLen > bytes.length) throw new DataError(`${name}: .npy header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  const { descr, fortran, shape } = parseHeader(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen)), name);
  if (fortran) throw new DataError(`${name}: Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray(x)`);
  const dtype = DTYPES.get(descr) ?? DTYPES.get(`|${descr.replace(/^[<=]/, '')}`);
  if (!dtype) throw new DataError(`${name}: unsupported dtype '${descr}'${descr.startsWith('>') ? ' (big-endian data is not supported)' : ''}; supported: ${[...DTYPES.keys()].map((d) => `'${d}'`).join(', ')}`);
  if (!LITTLE_ENDIAN_HOST) throw new DataError(`${name}: reading .npy needs a little-endian host`);
  const count = shape.reduce((a, b) => a * b, 1), need = count * ARRAY[dtype].BYTES_PER_ELEMENT, have = bytes.length - start - headerLen;
  if (have !== need) throw new DataError(`${name}: ${have < need ? 'truncated data' : 'trailing bytes after the data'}: shape ${shapeStr(shape)} of '${descr}' needs ${need} data bytes, the file has ${have}`);
  const raw = new Uint8Array(bytes.subarray(start + headerLen)); // a fresh, aligned copy (bytes may be a pooled Buffer)
  return { dtype, shape, data: new ARRAY[dtype](raw.buffer, 0, count) };
}

/** Integer labels of shape [N] as bytes, each checked to be in 0..255. */
export function npyLabels(labels: NpyArray, name = 'labels'): Uint8Array {
  if (labels.shape.length !== 1) throw new DataError(`${name}: labels must have shape [N], got ${shapeStr(labels.shape)}`);
  if (labels.dtype === 'float32') throw new DataError(`${name}: labels must be integers ('<i8', '<i4', '|u1', '|i1'), got '<f4'`);
  const out = new Uint8Array(labels.shape[0]!);
  labels.data.forEach((x: number | bigint, i: number) => {
    const v = Number(x);
    if (v < 0 || v > 255) throw new DataError(`${name}: label ${v} at index ${i} is out of range 0..255`);
    out[i] = v;
  });
  return out;
}

/**
 * A dataset over in-memory .npy arrays. Images [N, C, H, W] or [N, H, W] (C = 1), float32 (used
 * as they are; `norm` ignored) or uint8 (`(p/255 - mean[c]) / std[c]`, no `norm` = p/255).
 * Labels: integers of shape [N], values 0..255.
 */
export function npyDataset(images: NpyArray, labels: NpyArray, norm?: Normalization, names?: { images?: string; labels?: string }): Dataset {
  const iname = names?.images ?? 'images', lname = names?.labels ?? 'labels';
  const s = images.shape;
  if (s.length !== 3 && s.length !== 4) throw new DataError(`${iname}: images must have shape [N, C, H, W] or [N, H, W], got ${shapeStr(s)}`);
  const shape: ImageShape = s.length === 4 ? { c: s[1]!, h: s[2]!, w: s[3]! } : { c: 1, h: s[1]!, w: s[2]! };
  if (shape.c === 0 || shape.h === 0 || shape.w === 0) throw new DataError(`${iname}: empty image dimension in shape ${shapeStr(s)}`);
  if (images.dtype !== 'float32' && images.dtype !== 'uint8') throw new DataError(`${iname}: images must be '<f4' (float32) or '|u1' (uint8), got '${NPY_DESCR[images.dtype]}'`);
  const n = s[0]!, lab = npyLabels(labels, lname);
  if (lab.length !== n) throw new DataError(`${lname}: ${lab.length} labels for ${n} images in ${iname}`);
  const per = shape.c * shape.h * shape.w, plane = shape.h * shape.w;
  const lut = images.dtype === 'uint8' ? uint8NormalizationTable(norm, shape.c) : null;
  if (!lut && norm) validateNormalization(norm, shape.c);
  const src = images.data;
  return {
    shape,
    size: n,
    batches(batchSize: number, opts?: { limit?: number }): AsyncIterable<Batch> {
      const limit = Math.min(n, checkBatchArgs(batchSize, opts));
      return {
        async *[Symbol.asyncIterator]() {
          for (let start = 0; start < limit; start += batchSize) {
            const count = Math.min(batchSize, limit - start);
            let imgs: Float32Array;
            if (!lut) imgs = (src as Float32Array).slice(start * per, (start + count) * per);
            else {
              imgs = new Float32Array(count * per);
              const u8 = src as Uint8Array;
              let k = 0, j = start * per;
              for (let i = 0; i < count; i++) for (let c = 0; c < shape.c; c++) for (let p = 0; p < plane; p++) imgs[k++] = lut[c * 256 + u8[j++]!]!;
            }
            yield { images: imgs, labels: lab.slice(start, start + count), count };
          }
        },
      };
    },
  };
}
