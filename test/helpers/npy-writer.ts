// Writes .npy files exactly as numpy.save does (C order, little-endian), for tests: the library
// only reads .npy.

import { NPY_DESCR, shapeStr, type NpyArray } from '../../src/data/npy.js';

/** Format 1.0 unless `version` says otherwise; the preamble padded with spaces to 64 bytes, ended by '\n'. */
export function writeNpy(arr: NpyArray, opts: { version?: 1 | 2 | 3 } = {}): Uint8Array {
  const { dtype, shape, data } = arr;
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`writeNpy: shape ${shapeStr(shape)} needs ${count} elements, the data has ${data.length}`);
  const dict = `{'descr': '${NPY_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeStr(shape)}, }`;
  const version = opts.version ?? 1;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - pre - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
