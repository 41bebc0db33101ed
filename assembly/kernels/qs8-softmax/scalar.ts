import { Qs8SoftmaxParams } from "../../abi";

// QSoftmax (src/ir/qgraph-ops.ts): per run of k values, max, then the exp table (i32 at
// p.packed, index max - x in 0..255), the sum S < 2^31 and y = -128 + (256 e + S/2) / S in
// unsigned division, clamped to 127 (a lone 1.0). Shared by both builds (a few runs per image).
// @ts-ignore: decorator
@inline
export function softmaxRuns(p: Qs8SoftmaxParams): void {
  const k = p.k;
  for (let r = 0; r < p.n * p.rows; r++) {
    const x = p.input + <usize>(r * k), y = p.output + <usize>(r * k);
    let mx: i32 = -128;
    for (let j = 0; j < k; j++) { const v = <i32>load<i8>(x + <usize>j); if (v > mx) mx = v; }
    let sum: u32 = 0;
    for (let j = 0; j < k; j++) sum += load<u32>(p.packed + (<usize>(mx - <i32>load<i8>(x + <usize>j)) << 2));
    const half = sum >> 1;
    for (let j = 0; j < k; j++) {
      const e = load<u32>(p.packed + (<usize>(mx - <i32>load<i8>(x + <usize>j)) << 2));
      const q = <i32>(((e << 8) + half) / sum) - 128;
      store<i8>(y + <usize>j, <i8>(q > 127 ? 127 : q));
    }
  }
}

export function qs8_softmax__scalar(p: Qs8SoftmaxParams): void {
  softmaxRuns(p);
}
