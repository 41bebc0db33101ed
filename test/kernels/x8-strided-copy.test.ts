// x8_strided_copy (QStridedCopy = Slice + constant Pad) and x8_to_nchw: both builds against
// x8StridedCopy / x8ToNchw, byte for byte, ranks 1..4, negative steps, empty boxes, batches.
import { beforeAll, describe, expect, it } from "vitest";
import type { QStridedCopy, QToNchw } from "../../src/ir/qgraph.js";
import { x8StridedCopy, x8ToNchw } from "../../src/runtime/reference/qs8-ops.js";
import type { Engine } from "../../src/engine/engine.js";
import { loadEngine } from "../../src/runtime/wasm-loader.js";
import { mulberry32, randInt } from "../helpers/rng.js";
import { planOp, runOp } from "./harness.js";

type CopySpec = Omit<QStridedCopy, "op" | "name" | "inputs" | "outputs">;

function copyNode(s: CopySpec): QStridedCopy {
  return { op: "strided-copy", name: "sc", inputs: ["x"], outputs: ["y"], ...s };
}

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

function runCopy(e: Engine, node: QStridedCopy, x: Int8Array, n: number): Int8Array {
  const yLen = n * size(node.outShape);
  return runOp(e, node, n, [x], yLen, { fill: 99 }); // every byte must be written
}

const CASES: CopySpec[] = [
  // ResNet option-A shortcut in NHWC: x[::2, ::2, :] with the channels zero-padded 16 -> 32
  { inShape: [32, 32, 16], outShape: [16, 16, 32], start: [0, 0, 0], step: [2, 2, 1], lo: [0, 0, 8], hi: [16, 16, 24], fill: -3 },
  { inShape: [16, 16, 32], outShape: [8, 8, 64], start: [0, 0, 0], step: [2, 2, 1], lo: [0, 0, 16], hi: [8, 8, 48], fill: 127 },
  { inShape: [10], outShape: [4], start: [9], step: [-2], lo: [0], hi: [4], fill: 0 }, // reverse, rank 1
  { inShape: [5, 7], outShape: [9, 3], start: [1, 6], step: [1, -3], lo: [2, 0], hi: [6, 3], fill: -128 },
  { inShape: [2, 3, 4, 5], outShape: [2, 3, 2, 9], start: [0, 0, 1, 0], step: [1, 1, 2, 1], lo: [0, 0, 0, 2], hi: [2, 3, 2, 7], fill: 5 },
  { inShape: [4, 4, 3], outShape: [4, 4, 3], start: [0, 0, 0], step: [1, 1, 1], lo: [0, 0, 0], hi: [4, 4, 3], fill: 0 }, // identity
  { inShape: [4, 4, 3], outShape: [6, 6, 3], start: [0, 0, 0], step: [1, 1, 1], lo: [1, 1, 0], hi: [5, 5, 3], fill: -7 }, // spatial pad
  { inShape: [4, 4, 3], outShape: [3, 5, 2], start: [0, 0, 0], step: [1, 1, 1], lo: [0, 2, 0], hi: [0, 2, 0], fill: 11 }, // empty box
  { inShape: [6, 6, 5], outShape: [2, 3, 5], start: [1, 5, 4], step: [3, -2, -1], lo: [0, 0, 0], hi: [2, 3, 5], fill: 1 },
];

describe("x8_strided_copy", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  CASES.forEach((s, i) => {
    for (const n of [1, 3]) {
      it(`${JSON.stringify(s)} n${n}`, () => {
        const rng = mulberry32(70 + i);
        const node = copyNode(s);
        const x = new Int8Array(n * size(s.inShape)).map(() => randInt(rng, -128, 127));
        const want = x8StridedCopy(x, n, node);
        expect(runCopy(scalar, node, x, n)).toEqual(want);
        expect(runCopy(simd, node, x, n)).toEqual(want);
      });
    }
  });

  it("rejects sources outside the input and rank > 4", () => {
    const base = CASES[0]!;
    expect(() => planOp(copyNode({ ...base, start: [2, 0, 0] }))).toThrow(/leave the input/);
    expect(() => planOp(copyNode({ ...base, hi: [17, 16, 24] }))).toThrow(/hi\[0\]/);
    const r5 = { inShape: [1, 1, 1, 1, 1], outShape: [1, 1, 1, 1, 1], start: [0, 0, 0, 0, 0], step: [1, 1, 1, 1, 1], lo: [0, 0, 0, 0, 0], hi: [1, 1, 1, 1, 1], fill: 0 };
    expect(() => planOp(copyNode(r5))).toThrow(/rank 5/);
  });
});

describe("x8_to_nchw", () => {
  let scalar: Engine;
  let simd: Engine;
  beforeAll(async () => {
    scalar = await loadEngine({ simd: false });
    simd = await loadEngine({ simd: true });
  });

  const shapes: [number, number, number, number][] = [[1, 1, 1, 64], [2, 8, 8, 64], [3, 3, 5, 7], [1, 1, 9, 1], [2, 4, 4, 17]];
  for (const [n, h, w, c] of shapes) {
    it(`n${n} ${h}x${w}x${c}`, () => {
      const rng = mulberry32(h * 100 + w * 10 + c);
      const node: QToNchw = { op: "to-nchw", name: "t", inputs: ["x"], outputs: ["y"], h, w, c };
      const x = new Int8Array(n * h * w * c).map(() => randInt(rng, -128, 127));
      const want = x8ToNchw(x, n, node);
      for (const e of [scalar, simd]) {
        expect(runOp(e, node, n, [x], x.length)).toEqual(want);
      }
    });
  }
});
