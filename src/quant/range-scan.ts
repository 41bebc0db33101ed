// The min / max scan of a chunk of float32 values behind MinMaxObserver (observers.ts), and the
// type of a faster replacement (calibrate() passes the wasm engine's rangeF32).

/** A chunk's min / max as scanLoop finds them (NaN never wins, a zero extreme has the sign of
 *  the first zero) and whether all of it is finite. */
export type RangeScan = (x: Float32Array) => { min: number; max: number; finite: boolean };

/** The default RangeScan: `if (v < lo) lo = v; if (v > hi) hi = v` from lo = +Inf, hi = -Inf. */
export function scanLoop(x: Float32Array): ReturnType<RangeScan> {
  let lo = Infinity, hi = -Infinity, bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    bad += v * 0; // stays 0 for finite v, NaN once a NaN or an infinity passes
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { min: lo, max: hi, finite: bad === 0 };
}
