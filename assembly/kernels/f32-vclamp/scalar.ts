import { F32VclampParams } from "../../abi";

// Clip on float32 (contract: F32VclampParams, assembly/abi/f32.ts), one value at a time.
export function f32_vclamp__scalar(p: F32VclampParams): void {
  const lo = load<f32>(p.bounds), hi = load<f32>(p.bounds, 4);
  const end = p.input + (<usize>p.count << 2);
  for (let s = p.input, d = p.output; s < end; s += 4, d += 4) {
    const v = load<f32>(s);
    let y = v < lo ? lo : v > hi ? hi : v;
    if (v != v) y = reinterpret<f32>(reinterpret<u32>(v) | 0x00400000); // quiet, as the JS op
    store<f32>(d, y);
  }
}
