import { F32VreluParams } from "../../abi";

// Relu on float32, 8 values per step: x AND (x > 0), which is x where x > 0 and +0 elsewhere
// (NaN and -0 included), the scalar twin's `x > 0 ? x : 0` bit for bit.
export function f32_vrelu__wasmsimd(p: F32VreluParams): void {
  const zero = f32x4.splat(0);
  const end = p.input + (<usize>p.count << 2);
  let s = p.input, d = p.output;
  for (; s + 32 <= end; s += 32, d += 32) {
    const a = v128.load(s), b = v128.load(s, 16);
    v128.store(d, v128.and(a, f32x4.gt(a, zero)));
    v128.store(d, v128.and(b, f32x4.gt(b, zero)), 16);
  }
  for (; s < end; s += 4, d += 4) {
    const v = load<f32>(s);
    store<f32>(d, v > 0 ? v : 0);
  }
}
