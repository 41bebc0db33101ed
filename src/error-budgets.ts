// Named tolerances, one place, each with its reason.

/** Our float engine vs onnxruntime on ResNet-20 logits: both fp32, different summation order. */
export const FLOAT_VS_ORT_ATOL = 1e-4;
/** Single float ops vs onnxruntime: tiny inputs, so only the last bits may differ. */
export const FLOAT_OP_VS_ORT_ATOL = 1e-5;
/** Folded vs unfolded BatchNorm logits: W*k rounded to fp32 once per weight. */
export const FOLD_BN_ATOL = 1e-4;
