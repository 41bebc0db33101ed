import { Qs8PotwGemmParams, POTW_CHANNEL_HEADER_BYTES, POTW_PANEL_PIXELS, POTW_PANEL_ROW_BYTES } from "../../abi";
import { requantize } from "../../requant";

// qs8 x potw (power-of-two weights) with per-channel requantization, plain loops: the reference
// twin of qs8_potw_panel__wasmsimd, over the same panel and packed records (assembly/abi.ts).
// Shift-add only: each segment is a signed sum of raw activations, and the levels are combined
// by Horner's rule (acc += acc is the shift by one); bounds in assembly/abi.ts.

/**
 * y[i][j] for i < cols, j < mg: requantize(bias'[j] + sum_k x(i, k) * w[j][k]), from the panel
 * (POTW_PANEL_ROW_BYTES per tap k) and the mg channel records starting at `rec`.
 * `y`: int8, pixel i at y + i * yStride, channel j at + j.
 */
export function qs8_potw_panel__scalar(
  panel: usize, cols: i32, rec: usize, mg: i32,
  y: usize, yStride: usize, zy: i32, qmin: i32, qmax: i32,
): void {
  for (let j = 0; j < mg; j++) {
    const bias = load<i32>(rec);
    const mult = load<i32>(rec, 4);
    const shift = load<i32>(rec, 8);
    const levels = load<i32>(rec, 12);
    let next = rec + POTW_CHANNEL_HEADER_BYTES;
    for (let i = 0; i < cols; i++) {
      const px = panel + <usize>i;
      let q = rec + POTW_CHANNEL_HEADER_BYTES;
      let acc: i32 = 0;
      for (let l = 0; l < levels; l++) {
        acc += acc; // Horner: the levels so far move up one exponent
        let nseg = load<i32>(q);
        q += 4;
        for (; nseg > 0; nseg--) {
          const posEnd = q + 8 + (<usize>load<i32>(q) << 2);
          const negEnd = posEnd + (<usize>load<i32>(q, 4) << 2);
          q += 8;
          let s: i32 = 0;
          for (; q < posEnd; q += 4) s += <i32>load<i8>(px + <usize>load<i32>(q));
          for (; q < negEnd; q += 4) s -= <i32>load<i8>(px + <usize>load<i32>(q));
          acc += s;
        }
      }
      next = q;
      store<i8>(y + <usize>i * yStride + <usize>j, <i8>requantize(acc + bias, mult, shift, zy, qmin, qmax));
    }
    rec = cols > 0 ? next : skipRecord(rec);
  }
}

/** The byte after the channel record at `rec`. */
export function skipRecord(rec: usize): usize {
  const levels = load<i32>(rec, 12);
  let q = rec + POTW_CHANNEL_HEADER_BYTES;
  for (let l = 0; l < levels; l++) {
    let nseg = load<i32>(q);
    q += 4;
    for (; nseg > 0; nseg--) q += 8 + (<usize>(load<i32>(q) + load<i32>(q, 4)) << 2);
  }
  return q;
}

// QGemm with PoT weights over a batch: each panel of POTW_PANEL_PIXELS input rows is
// transposed into the panel (tap k of row i at panel + k * ROW_BYTES + i), then reduced.
export function qs8_potw_gemm_minmax__scalar(p: Qs8PotwGemmParams): void {
  const panel = p.scratch;
  for (let r0 = 0; r0 < p.n; r0 += POTW_PANEL_PIXELS) {
    const rows = min(POTW_PANEL_PIXELS, p.n - r0);
    for (let i = 0; i < rows; i++) {
      const x = p.input + <usize>(r0 + i) * <usize>p.k;
      for (let k = 0; k < p.k; k++) {
        store<i8>(panel + <usize>k * POTW_PANEL_ROW_BYTES + <usize>i, load<i8>(x + <usize>k));
      }
    }
    qs8_potw_panel__scalar(
      panel, rows, p.packed + <usize>load<i32>(p.packed), p.m,
      p.output + <usize>r0 * <usize>p.m, <usize>p.m, p.zy, p.qmin, p.qmax,
    );
  }
}
