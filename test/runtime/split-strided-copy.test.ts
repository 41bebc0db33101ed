// The row split of a one-image strided copy (src/runtime/split-specs.ts): the parts, run one
// after another, give the whole call's bytes, each part writes only its own output rows, and each
// reads only inside its narrowed input (a copy of that window alone, poison around it).

import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { QStridedCopy } from '../../src/ir/qgraph.js';
import { bindCall } from '../../src/runtime/bind.js';
import { splitCall } from '../../src/runtime/split-specs.js';
import { loadEngine } from '../../src/runtime/wasm-loader.js';
import { planOp } from '../kernels/harness.js';
import { mulberry32, randInt } from '../helpers/rng.js';

type CopySpec = Omit<QStridedCopy, 'op' | 'name' | 'inputs' | 'outputs'>;
type P = Record<string, number>;

const CASES: CopySpec[] = [
  { inShape: [32, 32, 16], outShape: [16, 16, 32], start: [0, 0, 0], step: [2, 2, 1], lo: [0, 0, 8], hi: [16, 16, 24], fill: -3 }, // ResNet shortcut
  { inShape: [16, 16, 16], outShape: [8, 8, 32], start: [0, 0, 0], step: [1, 1, 1], lo: [0, 0, 8], hi: [8, 8, 24], fill: 0 }, // channel pad alone
  { inShape: [10], outShape: [4], start: [9], step: [-2], lo: [0], hi: [4], fill: 0 }, // rank 1: not split
  { inShape: [5, 7], outShape: [9, 3], start: [1, 6], step: [1, -3], lo: [2, 0], hi: [6, 3], fill: -128 }, // rows of fill only at both ends
  { inShape: [2, 3, 4, 5], outShape: [2, 3, 2, 9], start: [0, 0, 1, 0], step: [1, 1, 2, 1], lo: [0, 0, 0, 2], hi: [2, 3, 2, 7], fill: 5 },
  { inShape: [4, 4, 3], outShape: [7, 6, 3], start: [0, 0, 0], step: [1, 1, 1], lo: [1, 1, 0], hi: [5, 5, 3], fill: -7 },
  { inShape: [4, 4, 3], outShape: [3, 5, 2], start: [0, 0, 0], step: [1, 1, 1], lo: [0, 2, 0], hi: [0, 2, 0], fill: 11 }, // empty box
  { inShape: [6, 6, 5], outShape: [2, 3, 5], start: [1, 5, 4], step: [3, -2, -1], lo: [0, 0, 0], hi: [2, 3, 5], fill: 1 }, // reversed axes
  { inShape: [9, 2, 3], outShape: [5, 2, 3], start: [8, 0, 0], step: [-2, 1, 1], lo: [0, 0, 0], hi: [5, 2, 3], fill: 2 }, // reversed split axis
];

const POISON = 0x5a;

describe('strided copy split by rows at batch 1', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await loadEngine({ simd: true });
  });

  CASES.forEach((s, i) => {
    it(JSON.stringify(s), () => {
      const rng = mulberry32(300 + i);
      const step = planOp({ op: 'strided-copy', name: 'sc', inputs: ['x'], outputs: ['y'], ...s })!;
      const inSize = s.inShape.reduce((p, d) => p * d, 1), outSize = s.outShape.reduce((p, d) => p * d, 1);
      const x = new Int8Array(inSize).map(() => { const v = randInt(rng, -128, 127); return v === POISON ? 0 : v; });
      const xp = e.alloc(inSize), yp = e.alloc(outSize), window = e.alloc(inSize + 64);
      e.i8View(xp, inSize).set(x);
      const whole = bindCall(step, [xp], yp, 0, 0, 1).params as P;
      e.i8View(yp, outSize).fill(99);
      e.run('x8-strided-copy', whole as never);
      const want = e.i8View(yp, outSize).slice();
      for (const threads of [2, 3, 4]) {
        const { parts, split } = splitCall('x8-strided-copy', whole, threads);
        expect(split).toBe(true);
        e.i8View(yp, outSize).fill(99);
        const written = new Int32Array(outSize);
        for (const q of parts.flat()) {
          expect(q.input! >= xp && q.input! + q.inSize! <= xp + inSize, 'input window inside the input').toBe(true);
          // the part reads a copy of its window only: any read outside it sees poison
          e.i8View(window, inSize + 64).fill(POISON);
          e.i8View(window + 32, q.inSize!).set(x.subarray(q.input! - xp, q.input! - xp + q.inSize!));
          e.run('x8-strided-copy', { ...q, input: window + 32 } as never);
          for (let k = q.output! - yp; k < q.output! - yp + q.outSize!; k++) written[k]!++;
        }
        expect(e.i8View(yp, outSize).slice(), `${threads} threads`).toEqual(want);
        expect(written.every((c) => c === 1), 'each output byte written by one part').toBe(true);
      }
    });
  });
});
