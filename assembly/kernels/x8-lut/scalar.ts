import { X8LutParams } from "../../abi";

// QLut: y[i] = table[x[i] + 128], the 256-byte table at p.packed (built at quantization time).
export function x8_lut__scalar(p: X8LutParams): void {
  const t = p.packed + 128;
  for (let i = 0; i < p.count; i++) store<i8>(p.output + <usize>i, load<i8>(t + <usize>(<i32>load<i8>(p.input + <usize>i))));
}
