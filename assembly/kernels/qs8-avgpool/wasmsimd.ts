import { Qs8AvgpoolParams } from "../../abi";
import { requantize } from "../../requant";
import { avgpoolCounted } from "./scalar";

// qs8_avgpool__scalar with 16 channels per step: each in-bounds cell's 16 bytes are widened
// into four i32x4 sums of x, and sum (x - zx) = sum x - cells * zx (exact in i32). The
// requantization of each sum is the scalar rule (same bytes as the scalar build).
const TMP = memory.data(64, 16);

export function qs8_avgpool__wasmsimd(p: Qs8AvgpoolParams): void {
  const c = p.c;
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    for (let oy = 0; oy < p.oh; oy++) {
      const dh = avgpoolCounted(oy, p.strideH, p.padTop, p.kh, p.dilationH, p.cntLoH, p.cntHiH);
      for (let ox = 0; ox < p.ow; ox++) {
        const d = dh * avgpoolCounted(ox, p.strideW, p.padLeft, p.kw, p.dilationW, p.cntLoW, p.cntHiW);
        const y = p.output + <usize>(((b * p.oh + oy) * p.ow + ox) * c);
        const mult = d > 0 ? load<i32>(p.packed + (<usize>(d - 1) << 3)) : 0;
        const shift = d > 0 ? load<i32>(p.packed + (<usize>(d - 1) << 3), 4) : 1;
        // in-bounds cells of this window (the zx correction)
        let cells = 0;
        for (let i = 0; i < p.kh; i++) {
          const iy = oy * p.strideH - p.padTop + i * p.dilationH;
          if (iy < 0 || iy >= p.h) continue;
          for (let j = 0; j < p.kw; j++) {
            const ix = ox * p.strideW - p.padLeft + j * p.dilationW;
            if (ix >= 0 && ix < p.w) cells++;
          }
        }
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          let s0 = i32x4.splat(-cells * p.zx), s1 = s0, s2 = s0, s3 = s0;
          for (let i = 0; i < p.kh; i++) {
            const iy = oy * p.strideH - p.padTop + i * p.dilationH;
            if (iy < 0 || iy >= p.h) continue;
            for (let j = 0; j < p.kw; j++) {
              const ix = ox * p.strideW - p.padLeft + j * p.dilationW;
              if (ix < 0 || ix >= p.w) continue;
              const v = v128.load(x + <usize>((iy * p.w + ix) * c + ch));
              const lo = i16x8.extend_low_i8x16_s(v);
              const hi = i16x8.extend_high_i8x16_s(v);
              s0 = i32x4.add(s0, i32x4.extend_low_i16x8_s(lo));
              s1 = i32x4.add(s1, i32x4.extend_high_i16x8_s(lo));
              s2 = i32x4.add(s2, i32x4.extend_low_i16x8_s(hi));
              s3 = i32x4.add(s3, i32x4.extend_high_i16x8_s(hi));
            }
          }
          v128.store(TMP, s0);
          v128.store(TMP, s1, 16);
          v128.store(TMP, s2, 32);
          v128.store(TMP, s3, 48);
          for (let k = 0; k < 16; k++) {
            const acc = load<i32>(TMP + (<usize>k << 2));
            store<i8>(y + <usize>(ch + k), <i8>(d > 0 ? requantize(acc, mult, shift, p.zy, -128, 127) : p.zy));
          }
        }
        for (; ch < c; ch++) {
          let acc = 0;
          for (let i = 0; i < p.kh; i++) {
            const iy = oy * p.strideH - p.padTop + i * p.dilationH;
            if (iy < 0 || iy >= p.h) continue;
            for (let j = 0; j < p.kw; j++) {
              const ix = ox * p.strideW - p.padLeft + j * p.dilationW;
              if (ix < 0 || ix >= p.w) continue;
              acc += <i32>load<i8>(x + <usize>((iy * p.w + ix) * c + ch)) - p.zx;
            }
          }
          store<i8>(y + <usize>ch, <i8>(d > 0 ? requantize(acc, mult, shift, p.zy, -128, 127) : p.zy));
        }
      }
    }
  }
}
