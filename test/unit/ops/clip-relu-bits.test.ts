// Clip and Relu run branch-free on the float32 bits: every element must equal the definitions
// (Clip: v < lo ? lo : v > hi ? hi : v; Relu: v > 0 ? v : 0) bit for bit, NaN payloads and
// signed zeros included, for bounds of every kind and in place.

import { describe, expect, it } from 'vitest';
import { f32 } from '../../../src/ir/tensor.js';
import { Clip, clipF32 } from '../../../src/ops/clip.js';
import { Relu, reluF32 } from '../../../src/ops/relu.js';
import { mulberry32 } from '../../helpers/rng.js';

/** Random activations plus every special value: +-0, +-Inf, NaNs of both signs with payloads, subnormals, extremes. */
function values(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n);
  const xi = new Int32Array(x.buffer);
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 6, -6, 0.5, -0.5, 1, -1];
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.1) x[i] = special[Math.floor(r() * special.length)]!;
    else if (u < 0.15) xi[i] = (r() * 2 ** 32) | 0; // any bit pattern (NaNs with payloads among them)
    else x[i] = (r() * 2 - 1) * 8;
  }
  xi[0] = 0x7fc00001; // quiet NaN with a payload
  xi[1] = 0xffc00002 | 0; // negative NaN with a payload
  xi[2] = 0x7f800001; // signalling-NaN pattern
  return x;
}

const bitsOf = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

describe('Clip on float32 bits', () => {
  const x = values(4099, 1);
  const bounds: [number, number][] = [
    [0, 6], [-0, 6], [0, -0], [-0, 0], [-0, -0], [0, 0], [-1, 1], [-Infinity, Infinity], [-Infinity, 2], [1, Infinity],
    [-3.5, -0], [2, 2], [1e-45, 1e-45], [-3.4028234663852886e38, 3.4028234663852886e38],
    // the plain-loop fallbacks: NaN, crossed and non-float32 bounds
    [NaN, 1], [-1, NaN], [NaN, NaN], [3, -3], [0.1, 0.7],
  ];
  for (const [lo, hi] of bounds) {
    it(`[${Object.is(lo, -0) ? '-0' : lo}, ${Object.is(hi, -0) ? '-0' : hi}] equals the definition, also in place`, () => {
      const want = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        want[i] = v < lo ? lo : v > hi ? hi : v;
      }
      const y = new Float32Array(x.length).fill(123);
      clipF32(x, y, lo, hi);
      expect(bitsOf(y)).toEqual(bitsOf(want));
      const inPlace = x.slice();
      clipF32(inPlace, inPlace, lo, hi);
      expect(bitsOf(inPlace)).toEqual(bitsOf(want));
    });
  }

  it('on views with an offset, through the op with a non-zeroed buffer', () => {
    const whole = values(300, 2);
    const view = whole.subarray(7, 290);
    const [y] = Clip.run([f32([view.length], view)], { min: -0.25, max: 0.75 }, (n) => new Float32Array(n).fill(NaN));
    const want = Array.from(view, (v) => Math.fround(v < -0.25 ? -0.25 : v > 0.75 ? 0.75 : v));
    expect(bitsOf(y!.data as Float32Array)).toEqual(bitsOf(Float32Array.from(want)));
  });
});

describe('Relu on float32 bits', () => {
  it('equals v > 0 ? v : 0 for every bit pattern class, also in place', () => {
    const x = values(4099, 3);
    const want = Float32Array.from(x, (v) => (v > 0 ? v : 0));
    const y = new Float32Array(x.length).fill(-7);
    reluF32(x, y);
    expect(bitsOf(y)).toEqual(bitsOf(want));
    const inPlace = x.slice();
    reluF32(inPlace, inPlace);
    expect(bitsOf(inPlace)).toEqual(bitsOf(want));
    const [r] = Relu.run([f32([x.length], x)], {}, (n) => new Float32Array(n).fill(NaN));
    expect(bitsOf(r!.data as Float32Array)).toEqual(bitsOf(want));
  });

  it('every int32 pattern boundary around 0, +Infinity and the sign bit', () => {
    const xi = Int32Array.from([0, 1, -1, 0x7f800000, 0x7f800001, 0x7f7fffff, 0x7fffffff, -0x80000000, -0x7fffffff, 0x00800000, -0x00800000]);
    const x = new Float32Array(xi.buffer);
    const want = Float32Array.from(x, (v) => (v > 0 ? v : 0));
    const y = new Float32Array(x.length);
    reluF32(x, y);
    expect(bitsOf(y)).toEqual(bitsOf(want));
  });
});
