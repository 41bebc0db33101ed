// The packed .dq file: exact round trip, and a reader that rejects every damaged file cleanly.

import { beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/format/crc32.js';
import { FormatError, readQModel, writeQModel } from '../../../src/format/qmodel.js';
import type { QGraph } from '../../../src/ir/qgraph.js';
import { QExecutor } from '../../../src/runtime/q-executor.js';
import { loadEngine } from '../../../src/runtime/wasm-loader.js';
import { quantizePot } from '../../../src/quant/quantize-pot.js';
import type { Engine } from '../../../src/engine/engine.js';
import { cifarImages, quantizedResnet20 } from '../../helpers/resnet.js';
import { mulberry32 } from '../../helpers/rng.js';

let engine: Engine, q: QGraph, file: Uint8Array, potFile: Uint8Array;

beforeAll(async () => {
  engine = await loadEngine();
  ({ q } = await quantizedResnet20(engine, { calibImages: 50 }));
  file = writeQModel(q);
  // half the layers power-of-two, 5-bit (log) codes
  const layers = new Set(q.nodes.filter((n, i) => (n.op === 'conv' || n.op === 'gemm') && i % 2 === 0).map((n) => n.name));
  potFile = writeQModel(quantizePot(q, layers, { rule: 'log' }));
});

function rejects(bytes: Uint8Array): string {
  try {
    readQModel(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('the damaged file was accepted');
}

/** Re-stamps the header's length and checksum so a mutation reaches the structural checks. */
function restamp(b: Uint8Array): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(16, b.length, true);
  dv.setUint32(20, crc32(b.subarray(32)), true);
  return b;
}

describe('.dq format', () => {
  it('round trips: same outputs, and the same bytes when written again', async () => {
    const back = readQModel(file);
    expect(writeQModel(back)).toEqual(file);
    const x = (await cifarImages('test.bin', 3)).images;
    expect(new QExecutor(back, engine, 3).runQuantized(x, 3)).toEqual(new QExecutor(q, engine, 3).runQuantized(x, 3));
  });

  it('round trips power-of-two layers: codes bit-packed, decoded to the same weights', async () => {
    const back = readQModel(potFile);
    expect(writeQModel(back)).toEqual(potFile);
    expect(potFile.length).toBeLessThan(file.length);
    const pot = back.nodes.filter((n) => (n.op === 'conv' || n.op === 'gemm') && n.pot);
    expect(pot.length).toBeGreaterThan(5);
    const x = (await cifarImages('test.bin', 2)).images;
    const orig = quantizePot(q, new Set(pot.map((n) => n.name)), { rule: 'log' });
    expect(new QExecutor(back, engine, 2).runQuantized(x, 2)).toEqual(new QExecutor(orig, engine, 2).runQuantized(x, 2));
  });

  it('power-of-two codes: "-0" and codes past the rule\'s width are rejected; the writer refuses a weight that is no power of two', () => {
    const dv = new DataView(potFile.buffer, potFile.byteOffset);
    const gOff = dv.getUint32(32 + 4, true), tOff = dv.getUint32(32 + 16 + 4, true);
    const graph = JSON.parse(new TextDecoder().decode(potFile.subarray(gOff, gOff + dv.getUint32(32 + 8, true))));
    const node = graph.nodes.find((n: { pot?: unknown }) => n.pot);
    const at = tOff + node.pot.codes.t[0]; // the first byte holds code 0 in its low 5 bits
    for (const [code, ok] of [[0b10000, false], [0b11001, false], [0b01001, false], [0b11000, true], [0, true]] as const) {
      const b = potFile.slice();
      b[at] = (b[at]! & 0b11100000) | code;
      restamp(b);
      if (ok) expect(() => readQModel(b)).not.toThrow();
      else expect(rejects(b)).toMatch(new RegExp(`node '${node.name}' pot code 0 \\(${code}\\) is not a valid 5-bit code`));
    }
    const p = quantizePot(q, new Set([node.name as string]), { rule: 'log' });
    const layer = p.nodes.find((n) => n.name === node.name)! as Extract<QGraph['nodes'][number], { op: 'conv' | 'gemm' }>;
    for (const bad of [3, 256]) {
      const weights = Int16Array.from(layer.weights);
      weights[5] = bad;
      const broken = { ...p, nodes: p.nodes.map((n) => (n === layer ? { ...layer, weights } : n)) };
      expect(() => writeQModel(broken)).toThrow(new RegExp(`layer '${node.name}': weight 5 = ${bad} is not a 5-bit power-of-two weight`));
    }
  });

  it('reads from a Node Buffer that is a view into a larger pool', () => {
    const pool = Buffer.alloc(file.length + 100, 0x80); // -128 everywhere around the file
    file.forEach((b, i) => (pool[50 + i] = b));
    const view = pool.subarray(50, 50 + file.length);
    expect(writeQModel(readQModel(view))).toEqual(file);
  });

  it('starts with the documented header', () => {
    const dv = new DataView(file.buffer, file.byteOffset);
    expect(new TextDecoder().decode(file.subarray(0, 4))).toBe('DBLQ');
    expect([dv.getUint16(4, true), dv.getUint16(6, true), dv.getUint32(8, true), dv.getUint32(16, true)]).toEqual([1, 2, 32, file.length]);
  });

  it('rejects truncated, padded, corrupted, wrong-version and foreign files', () => {
    expect(rejects(file.subarray(0, 20))).toMatch(/shorter than the 32-byte header/);
    expect(rejects(file.subarray(0, file.length - 1))).toMatch(/declares \d+ bytes but the file has/);
    const padded = new Uint8Array(file.length + 4);
    padded.set(file);
    expect(rejects(padded)).toMatch(/declares/);
    const flipped = file.slice();
    flipped[file.length - 100]! ^= 0x10;
    expect(rejects(flipped)).toMatch(/checksum mismatch/);
    const v2 = file.slice();
    v2[4] = 2;
    expect(rejects(v2)).toMatch(/format version 2\.2 is not supported/);
    expect(rejects(new TextEncoder().encode('PK\u0003\u0004 not a model at all, just some bytes'))).toMatch(/bad magic/);
  });

  it('rejects hostile section tables and references without huge allocations', () => {
    const big = file.slice();
    new DataView(big.buffer).setUint32(32 + 16 + 8, 0xfffffff0, true); // TENSORS length
    expect(rejects(restamp(big))).toMatch(/out of bounds/);
    const many = file.slice();
    new DataView(many.buffer).setUint32(12, 100000, true);
    expect(rejects(restamp(many))).toMatch(/section count/);
    const gdv = new DataView(file.buffer, file.byteOffset);
    const gOff = gdv.getUint32(32 + 4, true);
    const json = new TextDecoder().decode(file.subarray(gOff, gOff + gdv.getUint32(32 + 8, true)));
    // the first weights reference gets a count of the same number of digits, all nines
    const evil = json.replace(/"t":\[(\d+),(\d+)\]/, (_m, off: string, n: string) => `"t":[${off},${'9'.repeat(n.length)}]`);
    expect(evil).not.toBe(json);
    const b = file.slice();
    b.set(new TextEncoder().encode(evil), gOff);
    expect(rejects(restamp(b))).toMatch(/has 9+ values, its node needs/);
  });

  it('fuzz: 3000 random mutations of a real file are either read cleanly or rejected with a FormatError', () => {
    const rng = mulberry32(2024);
    let rejected = 0;
    for (let k = 0; k < 3000; k++) {
      const src = k % 2 ? potFile : file;
      const b = src.slice(0, rng() < 0.1 ? Math.floor(rng() * src.length) : src.length);
      const edits = 1 + Math.floor(rng() * 4);
      for (let e = 0; e < edits && b.length > 0; e++) {
        // mostly in the header, section table and JSON, where structure lives
        const at = rng() < 0.7 ? Math.floor(rng() * Math.min(b.length, 6000)) : Math.floor(rng() * b.length);
        b[at] = Math.floor(rng() * 256);
      }
      if (rng() < 0.7 && b.length >= 32) restamp(b);
      try {
        readQModel(b);
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`mutation ${k}: ${(e as Error).stack}`);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
