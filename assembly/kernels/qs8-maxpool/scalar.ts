import { Qs8MaxpoolParams } from "../../abi";

// QMaxPool, int8 NHWC: the max over the in-bounds cells of each window (-128 when none is).
export function qs8_maxpool__scalar(p: Qs8MaxpoolParams): void {
  const c = p.c;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    let y = p.output + <usize>b * <usize>(p.oh * p.ow * c);
    for (let oy = 0; oy < p.oh; oy++) {
      for (let ox = 0; ox < p.ow; ox++, y += <usize>c) {
        for (let ch = 0; ch < c; ch++) {
          let best: i32 = -128;
          for (let ky = 0; ky < p.kh; ky++) {
            const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
            if (iy < 0 || iy >= p.h) continue;
            for (let kx = 0; kx < p.kw; kx++) {
              const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
              if (ix < 0 || ix >= p.w) continue;
              best = max(best, <i32>load<i8>(x + <usize>((iy * p.w + ix) * c + ch)));
            }
          }
          store<i8>(y + <usize>ch, <i8>best);
        }
      }
    }
  }
}
