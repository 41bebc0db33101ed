import { F32VclampParams } from "../../abi";

// Clip on float32, 8 values per step: pmax(x, lo) is exactly `x < lo ? lo : x` and pmin(t, hi)
// exactly `hi < t ? hi : t`, which together give the definition when lo <= hi (the contract);
// NaN lanes pass both and get their quiet bit set. Tail as the scalar twin.
export function f32_vclamp__wasmsimd(p: F32VclampParams): void {
  const lo = load<f32>(p.bounds), hi = load<f32>(p.bounds, 4);
  const lo4 = f32x4.splat(lo), hi4 = f32x4.splat(hi), quiet = i32x4.splat(0x00400000);
  const end = p.input + (<usize>p.count << 2);
  let s = p.input, d = p.output;
  for (; s + 32 <= end; s += 32, d += 32) {
    const a = v128.load(s), b = v128.load(s, 16);
    const ya = f32x4.pmin(f32x4.pmax(a, lo4), hi4), yb = f32x4.pmin(f32x4.pmax(b, lo4), hi4);
    v128.store(d, v128.or(ya, v128.and(f32x4.ne(a, a), quiet)));
    v128.store(d, v128.or(yb, v128.and(f32x4.ne(b, b), quiet)), 16);
  }
  for (; s < end; s += 4, d += 4) {
    const v = load<f32>(s);
    let y = v < lo ? lo : v > hi ? hi : v;
    if (v != v) y = reinterpret<f32>(reinterpret<u32>(v) | 0x00400000);
    store<f32>(d, y);
  }
}
