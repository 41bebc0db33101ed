// Named tolerances, one place, each with its reason.

/** Our float engine vs onnxruntime on ResNet-20 logits: both fp32, different summation order. */
export const FLOAT_VS_ORT_ATOL = 1e-4;
/** Single float ops vs onnxruntime: tiny inputs, so only the last bits may differ. */
export const FLOAT_OP_VS_ORT_ATOL = 1e-5;
/** Folded vs unfolded BatchNorm logits: W*k rounded to fp32 once per weight. */
export const FOLD_BN_ATOL = 1e-4;
/**
 * Small random-weight nets of the issue-12 ops (test/e2e/ops-nets.test.ts), int8 vs float output,
 * in steps of the output's scale: each of their 3-7 int8 layers adds up to about one step of
 * rounding (1-LSB per op) that later layers carry on, amplified by the weights. Measured
 * 0.9-3.8 steps (2026-12-02, the seeds of that test); twice the worst leaves room for other seeds.
 */
export const INT8_SMALL_NET_OUTPUT_STEPS = 8;
