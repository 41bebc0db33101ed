import { Qs8MaxpoolParams } from "../../abi";

// qs8_maxpool__scalar with 16 channels per i8x16.max_s; channel tails (c % 16) are scalar.
export function qs8_maxpool__wasmsimd(p: Qs8MaxpoolParams): void {
  const c = p.c;
  const floor = i8x16.splat(-128);
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    let y = p.output + <usize>b * <usize>(p.oh * p.ow * c);
    for (let oy = 0; oy < p.oh; oy++) {
      for (let ox = 0; ox < p.ow; ox++, y += <usize>c) {
        const iy0 = oy * p.strideH - p.padTop;
        const ix0 = ox * p.strideW - p.padLeft;
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          let best = floor;
          for (let ky = 0; ky < p.kh; ky++) {
            const iy = iy0 + ky * p.dilationH;
            if (<u32>iy >= <u32>p.h) continue;
            for (let kx = 0; kx < p.kw; kx++) {
              const ix = ix0 + kx * p.dilationW;
              if (<u32>ix >= <u32>p.w) continue;
              best = i8x16.max_s(best, v128.load(x + <usize>((iy * p.w + ix) * c + ch)));
            }
          }
          v128.store(y + <usize>ch, best);
        }
        for (; ch < c; ch++) {
          let m: i32 = -128;
          for (let ky = 0; ky < p.kh; ky++) {
            const iy = iy0 + ky * p.dilationH;
            if (<u32>iy >= <u32>p.h) continue;
            for (let kx = 0; kx < p.kw; kx++) {
              const ix = ix0 + kx * p.dilationW;
              if (<u32>ix >= <u32>p.w) continue;
              m = max(m, <i32>load<i8>(x + <usize>((iy * p.w + ix) * c + ch)));
            }
          }
          store<i8>(y + <usize>ch, <i8>m);
        }
      }
    }
  }
}
