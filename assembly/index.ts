// The only export surface of build/scalar.wasm and build/simd.wasm.
// Feature dispatch happens here and nowhere else: ASC_FEATURE_SIMD is a compile-time
// constant, so each build contains exactly one of the two kernels.
import {
  F32Conv2dParams,
  Qs8GavgpoolParams,
  Qs8MaxpoolParams,
  Qs8PotwConv2dParams,
  Qs8PotwGemmParams,
  Qs8Qc8wConv2dParams,
  Qs8Qc8wGemmParams,
  Qs8VaddParams,
  X8StridedCopyParams,
  X8ToNchwParams,
} from "./abi";
import { f32_conv2d__scalar } from "./kernels/f32-conv2d/scalar";
import { f32_conv2d__wasmsimd } from "./kernels/f32-conv2d/wasmsimd";
import { qs8_gavgpool__scalar } from "./kernels/qs8-gavgpool/scalar";
import { qs8_gavgpool__wasmsimd } from "./kernels/qs8-gavgpool/wasmsimd";
import { qs8_maxpool__scalar } from "./kernels/qs8-maxpool/scalar";
import { qs8_maxpool__wasmsimd } from "./kernels/qs8-maxpool/wasmsimd";
import { qs8_qc8w_conv2d_minmax__scalar } from "./kernels/qs8-qc8w-conv2d/scalar";
import { qs8_qc8w_conv2d_minmax__wasmsimd } from "./kernels/qs8-qc8w-conv2d/wasmsimd";
import { qs8_qc8w_gemm_minmax__scalar } from "./kernels/qs8-qc8w-gemm/scalar";
import { qs8_qc8w_gemm_minmax__wasmsimd } from "./kernels/qs8-qc8w-gemm/wasmsimd";
import { qs8_potw_conv2d_minmax__scalar } from "./kernels/qs8-potw-conv2d/scalar";
import { qs8_potw_conv2d_minmax__wasmsimd } from "./kernels/qs8-potw-conv2d/wasmsimd";
import { qs8_potw_gemm_minmax__scalar } from "./kernels/qs8-potw-gemm/scalar";
import { qs8_potw_gemm_minmax__wasmsimd } from "./kernels/qs8-potw-gemm/wasmsimd";
import { qs8_vadd_minmax__scalar } from "./kernels/qs8-vadd/scalar";
import { qs8_vadd_minmax__wasmsimd } from "./kernels/qs8-vadd/wasmsimd";
import { x8_strided_copy__scalar } from "./kernels/x8-strided-copy/scalar";
import { x8_strided_copy__wasmsimd } from "./kernels/x8-strided-copy/wasmsimd";
import { x8_to_nchw__scalar } from "./kernels/x8-to-nchw/scalar";
import { x8_to_nchw__wasmsimd } from "./kernels/x8-to-nchw/wasmsimd";

// Every ABI constant, struct size and field offset (generated; the host checks them at load).
export * from "./abi-exports";
// Threads builds: where this instance's static temporaries live (assembly/thread-local.ts).
export { set_static_delta } from "./thread-local";

/** First byte the host may use: everything below belongs to static data. */
export const HEAP_BASE: usize = __heap_base;

export function f32_conv2d(params: F32Conv2dParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_conv2d__wasmsimd(params);
  } else {
    f32_conv2d__scalar(params);
  }
}

// Depthwise float conv (group == c == m): NCHW planes, one output row group per f32x4.
import { F32Dwconv2dParams } from "./abi";
import { f32_dwconv2d__scalar } from "./kernels/f32-dwconv2d/scalar";
import { f32_dwconv2d__wasmsimd } from "./kernels/f32-dwconv2d/wasmsimd";

export function f32_dwconv2d(params: F32Dwconv2dParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_dwconv2d__wasmsimd(params);
  } else {
    f32_dwconv2d__scalar(params);
  }
}

// Extremes of a float32 array (calibration's min-max observers).
import { F32RminmaxParams } from "./abi";
import { f32_rminmax__scalar } from "./kernels/f32-rminmax/scalar";
import { f32_rminmax__wasmsimd } from "./kernels/f32-rminmax/wasmsimd";

export function f32_rminmax(params: F32RminmaxParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_rminmax__wasmsimd(params);
  } else {
    f32_rminmax__scalar(params);
  }
}

// Clip on float32 (the float executor's activations).
import { F32VclampParams } from "./abi";
import { f32_vclamp__scalar } from "./kernels/f32-vclamp/scalar";
import { f32_vclamp__wasmsimd } from "./kernels/f32-vclamp/wasmsimd";

export function f32_vclamp(params: F32VclampParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_vclamp__wasmsimd(params);
  } else {
    f32_vclamp__scalar(params);
  }
}

// The input's quantize, float32 NCHW to int8 NHWC (the threaded executor's first phase).
import { F32Qs8ToNhwcParams } from "./abi";
import { f32_qs8_to_nhwc__scalar } from "./kernels/f32-qs8-to-nhwc/scalar";
import { f32_qs8_to_nhwc__wasmsimd } from "./kernels/f32-qs8-to-nhwc/wasmsimd";

export function f32_qs8_to_nhwc(params: F32Qs8ToNhwcParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_qs8_to_nhwc__wasmsimd(params);
  } else {
    f32_qs8_to_nhwc__scalar(params);
  }
}

// Relu on float32 (the float executor's activations).
import { F32VreluParams } from "./abi";
import { f32_vrelu__scalar } from "./kernels/f32-vrelu/scalar";
import { f32_vrelu__wasmsimd } from "./kernels/f32-vrelu/wasmsimd";

export function f32_vrelu(params: F32VreluParams): void {
  if (ASC_FEATURE_SIMD) {
    f32_vrelu__wasmsimd(params);
  } else {
    f32_vrelu__scalar(params);
  }
}

export function qs8_qc8w_conv2d_minmax(params: Qs8Qc8wConv2dParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_qc8w_conv2d_minmax__wasmsimd(params);
  } else {
    qs8_qc8w_conv2d_minmax__scalar(params);
  }
}

export function qs8_qc8w_gemm_minmax(params: Qs8Qc8wGemmParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_qc8w_gemm_minmax__wasmsimd(params);
  } else {
    qs8_qc8w_gemm_minmax__scalar(params);
  }
}

export function qs8_potw_conv2d_minmax(params: Qs8PotwConv2dParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_potw_conv2d_minmax__wasmsimd(params);
  } else {
    qs8_potw_conv2d_minmax__scalar(params);
  }
}

export function qs8_potw_gemm_minmax(params: Qs8PotwGemmParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_potw_gemm_minmax__wasmsimd(params);
  } else {
    qs8_potw_gemm_minmax__scalar(params);
  }
}

export function qs8_vadd_minmax(params: Qs8VaddParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_vadd_minmax__wasmsimd(params);
  } else {
    qs8_vadd_minmax__scalar(params);
  }
}

export function qs8_gavgpool(params: Qs8GavgpoolParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_gavgpool__wasmsimd(params);
  } else {
    qs8_gavgpool__scalar(params);
  }
}

export function qs8_maxpool(params: Qs8MaxpoolParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_maxpool__wasmsimd(params);
  } else {
    qs8_maxpool__scalar(params);
  }
}

export function x8_strided_copy(params: X8StridedCopyParams): void {
  if (ASC_FEATURE_SIMD) {
    x8_strided_copy__wasmsimd(params);
  } else {
    x8_strided_copy__scalar(params);
  }
}

export function x8_to_nchw(params: X8ToNchwParams): void {
  if (ASC_FEATURE_SIMD) {
    x8_to_nchw__wasmsimd(params);
  } else {
    x8_to_nchw__scalar(params);
  }
}

// Depthwise conv (group == channels): channels in the SIMD lanes.
import { Qs8Qc8wDwconvParams } from "./abi";
import { qs8_qc8w_dwconv_minmax__scalar } from "./kernels/qs8-qc8w-dwconv/scalar";
import { qs8_qc8w_dwconv_minmax__wasmsimd } from "./kernels/qs8-qc8w-dwconv/wasmsimd";

export function qs8_qc8w_dwconv_minmax(params: Qs8Qc8wDwconvParams): void {
  if (ASC_FEATURE_SIMD) {
    qs8_qc8w_dwconv_minmax__wasmsimd(params);
  } else {
    qs8_qc8w_dwconv_minmax__scalar(params);
  }
}

// ─── issue 12: avgpool, lookup tables, concat, mul, softmax ───
import { Qs8AvgpoolParams, Qs8SoftmaxParams, Qs8VmulParams, X8ConcatParams, X8LutParams } from "./abi";
import { qs8_avgpool__scalar } from "./kernels/qs8-avgpool/scalar";
import { qs8_avgpool__wasmsimd } from "./kernels/qs8-avgpool/wasmsimd";
import { x8_lut__scalar } from "./kernels/x8-lut/scalar";
import { x8_lut__wasmsimd } from "./kernels/x8-lut/wasmsimd";
import { x8_concat__scalar } from "./kernels/x8-concat/scalar";
import { x8_concat__wasmsimd } from "./kernels/x8-concat/wasmsimd";
import { qs8_vmul__scalar } from "./kernels/qs8-vmul/scalar";
import { qs8_vmul__wasmsimd } from "./kernels/qs8-vmul/wasmsimd";
import { qs8_softmax__scalar } from "./kernels/qs8-softmax/scalar";
import { qs8_softmax__wasmsimd } from "./kernels/qs8-softmax/wasmsimd";

export function qs8_avgpool(params: Qs8AvgpoolParams): void {
  if (ASC_FEATURE_SIMD) qs8_avgpool__wasmsimd(params);
  else qs8_avgpool__scalar(params);
}

export function x8_lut(params: X8LutParams): void {
  if (ASC_FEATURE_SIMD) x8_lut__wasmsimd(params);
  else x8_lut__scalar(params);
}

export function x8_concat(params: X8ConcatParams): void {
  if (ASC_FEATURE_SIMD) x8_concat__wasmsimd(params);
  else x8_concat__scalar(params);
}

export function qs8_vmul(params: Qs8VmulParams): void {
  if (ASC_FEATURE_SIMD) qs8_vmul__wasmsimd(params);
  else qs8_vmul__scalar(params);
}

export function qs8_softmax(params: Qs8SoftmaxParams): void {
  if (ASC_FEATURE_SIMD) qs8_softmax__wasmsimd(params);
  else qs8_softmax__scalar(params);
}
