import { X8ToNchwParams } from "../../abi";

// NHWC -> NCHW byte transpose per image: y[c][p] = x[p][c], p < pixels = h * w.
export function x8_to_nchw__scalar(p: X8ToNchwParams): void {
  const c = p.c, pixels = p.pixels;
  const size = <usize>(c * pixels);
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * size;
    const y = p.output + <usize>b * size;
    for (let q = 0; q < pixels; q++) {
      for (let ch = 0; ch < c; ch++) {
        store<i8>(y + <usize>(ch * pixels + q), load<i8>(x + <usize>(q * c + ch)));
      }
    }
  }
}
