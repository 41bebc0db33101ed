import { F32RminmaxParams } from "../../abi";

// Extremes of a float32 array and a finiteness flag (contract: F32RminmaxParams, assembly/abi/f32.ts).
export function f32_rminmax__scalar(p: F32RminmaxParams): void {
  let lo: f32 = Infinity, hi: f32 = -Infinity, bad: f32 = 0;
  const end = p.input + (<usize>p.count << 2);
  for (let s = p.input; s < end; s += 4) {
    const v = load<f32>(s);
    bad += v * 0; // stays 0 for finite v, NaN once a NaN or an infinity passes
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  store<f32>(p.output, lo);
  store<f32>(p.output, hi, 4);
  store<f32>(p.output, bad, 8);
}
