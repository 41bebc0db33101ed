import { F32Qs8ToNhwcParams } from "../../abi";

// The input's quantize (contract: F32Qs8ToNhwcParams, assembly/abi/f32.ts), one value at a time;
// a non-finite value is reported in `status` and stored as 0. The rounded value is clamped to
// +-512 before the zero point is added, so no integer conversion saturates (the int8 clamp then
// gives what the unbounded definition gives).
@inline
export function quantizeOne(v: f32, scale: f64, zp: i32, status: usize): i8 {
  if (!isFinite<f32>(v)) {
    store<i32>(status, 1);
    store<f32>(status, v, 4);
    return 0;
  }
  const r = max<f32>(-512, min<f32>(512, nearest<f32>(<f32>(<f64>v / scale))));
  const q = <i32>r + zp;
  return <i8>(q < -128 ? -128 : q > 127 ? 127 : q);
}

export function f32_qs8_to_nhwc__scalar(p: F32Qs8ToNhwcParams): void {
  const scale = load<f64>(p.scale), c = p.c, hw = p.hw;
  for (let b = 0; b < p.n; b++)
    for (let ch = 0; ch < c; ch++) {
      const src = p.input + ((<usize>(b * c + ch) * hw) << 2);
      let o = p.output + <usize>(b * hw + p.p0) * c + ch;
      for (let px = p.p0; px < p.p1; px++, o += c) store<i8>(o, quantizeOne(load<f32>(src + (<usize>px << 2)), scale, p.zp, p.status));
    }
}
