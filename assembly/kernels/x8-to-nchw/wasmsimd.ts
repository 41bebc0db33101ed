import { X8ToNchwParams } from "../../abi";
import { x8_to_nchw__scalar } from "./scalar";

// The SIMD build uses the scalar transpose: the op runs once per model, before a Flatten of
// a small map (ResNet-style networks reach it after global pooling, with h * w = 1), so a
// shuffle-based 16x16 byte transpose would not pay for its code.
export function x8_to_nchw__wasmsimd(p: X8ToNchwParams): void {
  x8_to_nchw__scalar(p);
}
