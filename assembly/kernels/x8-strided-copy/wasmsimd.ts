import { X8StridedCopyParams } from "../../abi";
import { x8_strided_copy__scalar } from "./scalar";

// Nothing to vectorise by hand: the work is memory.fill plus memory.copy of contiguous rows,
// which the engine already runs as wide block moves. The SIMD build uses the scalar kernel.
export function x8_strided_copy__wasmsimd(p: X8StridedCopyParams): void {
  x8_strided_copy__scalar(p);
}
