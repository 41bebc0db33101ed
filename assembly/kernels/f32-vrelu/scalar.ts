import { F32VreluParams } from "../../abi";

// Relu on float32 (contract: F32VreluParams, assembly/abi/f32.ts), one value at a time.
export function f32_vrelu__scalar(p: F32VreluParams): void {
  const end = p.input + (<usize>p.count << 2);
  for (let s = p.input, d = p.output; s < end; s += 4, d += 4) {
    const v = load<f32>(s);
    store<f32>(d, v > 0 ? v : 0);
  }
}
