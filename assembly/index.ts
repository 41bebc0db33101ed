// The only export surface of build/scalar.wasm and build/simd.wasm.
// Feature dispatch happens here and nowhere else: ASC_FEATURE_SIMD is a compile-time
// constant, so each build contains exactly one of the two kernels.
import { F32Conv2dParams } from "./abi";
import { f32_conv2d__scalar } from "./kernels/f32-conv2d/scalar";
import { f32_conv2d__wasmsimd } from "./kernels/f32-conv2d/wasmsimd";

/** Size of F32Conv2dParams in bytes; the host checks its own layout against it. */
export const F32_CONV2D_PARAMS_SIZE: i32 = offsetof<F32Conv2dParams>();

/** First byte the host may use: everything below belongs to static data. */
export const HEAP_BASE: usize = __heap_base;

export function f32_conv2d(params: F32Conv2dParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_conv2d__wasmsimd(params);
  } else {
    f32_conv2d__scalar(params);
  }
}
