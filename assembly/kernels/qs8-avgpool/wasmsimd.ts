import { Qs8AvgpoolParams } from "../../abi";
import { requantize } from "../../requant";
import { threadLocal } from "../../thread-local";
import { qs8_sum16_run__wasmsimd, qs8_sum16_splat__wasmsimd } from "../qs8-gavgpool/wasmsimd";
import { avgpoolCounted } from "./scalar";

// qs8_avgpool__scalar with 16 channels per step: the in-bounds cells of each window row are
// one run of qs8-gavgpool's widening sum (16 i32 sums of x), and sum (x - zx) = sum x -
// cells * zx (exact in i32). The requantization of each sum is the scalar rule (same bytes as
// the scalar build).
const TMP_STATIC = memory.data(64, 16);

export function qs8_avgpool__wasmsimd(p: Qs8AvgpoolParams): void {
  const TMP = threadLocal(TMP_STATIC);
  const c = p.c;
  const colStep = <usize>(p.dilationW * c);
  for (let b = 0; b < p.n; b++) {
    const x = p.input + <usize>b * <usize>(p.h * p.w * c);
    for (let oy = 0; oy < p.oh; oy++) {
      const dh = avgpoolCounted(oy, p.strideH, p.padTop, p.kh, p.dilationH, p.cntLoH, p.cntHiH);
      for (let ox = 0; ox < p.ow; ox++) {
        const d = dh * avgpoolCounted(ox, p.strideW, p.padLeft, p.kw, p.dilationW, p.cntLoW, p.cntHiW);
        const y = p.output + <usize>(((b * p.oh + oy) * p.ow + ox) * c);
        const mult = d > 0 ? load<i32>(p.packed + (<usize>(d - 1) << 3)) : 0;
        const shift = d > 0 ? load<i32>(p.packed + (<usize>(d - 1) << 3), 4) : 1;
        // the in-bounds columns of this window: j0 .. j0 + cols - 1 (ix = x0 + j * dilationW)
        const x0 = ox * p.strideW - p.padLeft;
        const j0 = x0 >= 0 ? 0 : (p.dilationW - 1 - x0) / p.dilationW;
        const j1 = x0 < p.w ? min(p.kw, (p.w - 1 - x0) / p.dilationW + 1) : 0;
        const cols = max(0, j1 - j0);
        const ix0 = x0 + j0 * p.dilationW;
        // in-bounds cells of this window (the zx correction)
        let rows = 0;
        for (let i = 0; i < p.kh; i++) {
          const iy = oy * p.strideH - p.padTop + i * p.dilationH;
          if (iy >= 0 && iy < p.h) rows++;
        }
        const cells = rows * cols;
        let ch = 0;
        for (; ch + 16 <= c; ch += 16) {
          qs8_sum16_splat__wasmsimd(TMP, -cells * p.zx);
          for (let i = 0; i < p.kh; i++) {
            const iy = oy * p.strideH - p.padTop + i * p.dilationH;
            if (iy < 0 || iy >= p.h) continue;
            qs8_sum16_run__wasmsimd(TMP, x + <usize>((iy * p.w + ix0) * c + ch), colStep, cols);
          }
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
