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
/**
 * The QDQ export of the 8-bit ResNet-20 in onnxruntime vs doubleq's int8 engine, logits in output
 * steps: same parameters, but onnxruntime requantizes each QLinearConv / QLinearAdd in float
 * (acc * s_x*s_w/s_y, round half to even) where doubleq uses a 31-bit fixed-point multiplier
 * (round half up), and an occasional 1-step difference in one layer propagates. Measured max 2
 * (2026-11, onnxruntime-node 1.30, x86, both activation types; test/unit/format/export-qdq.test.ts).
 */
export const QDQ_RESNET20_OUTPUT_STEPS = 4;
/**
 * The QDQ export of the small issue-12 nets (test/e2e/export-qdq-nets.test.ts) in onnxruntime vs
 * doubleq's integers, in output steps: the conv / gemm / pool requantization rounds as above;
 * tables, concat, transposes agree exactly (QDQ_VS_TABLE_STEPS). Measured max 1 step (the fire
 * modules; 0 in the other 7 nets; 2026-12-02, onnxruntime-node 1.30, x86, uint8 and int8); twice
 * the worst leaves room for other seeds.
 */
export const QDQ_VS_INT8_SMALL_NET_STEPS = 2;
/**
 * One table op (Sigmoid, Tanh, ..., Add / Mul of a scalar) exported as its float op between Q/DQ,
 * onnxruntime on all 256 int8 inputs vs doubleq's table, in output steps: the table is the
 * float op quantized with round half to even, as QuantizeLinear rounds, so only a float op that
 * onnxruntime computes differently (MLAS's approximate logistic / tanh) landing on the other
 * side of a rounding boundary can differ, by one step. Measured 0 of 256 codes differ for all 14
 * ops (2026-12-02, onnxruntime-node 1.30, x86).
 */
export const QDQ_VS_TABLE_STEPS = 1;
