// Public API (Node and browser): re-exports only. No fs, no DOM below this point except src/cli
// and src/data/node-files.ts, which are not exported here.

export { ModelError } from './ir/errors.js';
export type { Graph, Node, Value, ValueInfo } from './ir/graph.js';
export { tensor, f32, sizeOf, type Tensor, type DType } from './ir/tensor.js';
export { summarize, type GraphSummary, type LayerSummary } from './ops/summary.js';
export { decodeOnnx, type OnnxModel } from './onnx/decode.js';
export { importOnnx, importOnnxBytes, fixedBatch, type ImportOptions } from './onnx/import.js';
export { OPS } from './ops/registry.js';
export type { OpDef } from './ops/op.js';
export { foldBatchNorm } from './passes/fold-batch-norm.js';
export { runPasses, DEFAULT_PASSES } from './passes/pipeline.js';
export type { Pass } from './passes/pass.js';
export { F32Executor, type F32ExecutorOptions } from './runtime/f32-executor.js';
export { FloatModel } from './runtime/float-model.js';
export { loadEngine } from './runtime/wasm-loader.js';
export { Engine, type Conv2dF32Shape } from './runtime/kernels.js';
export { evaluate, argmaxRow, type EvalOptions, type EvalResult } from './eval/evaluate.js';
export * from './data/dataset.js';
export { cifar10Dataset, cifar10FromBytes, CIFAR10_CLASSES, type ChunkSource } from './data/cifar10.js';
export { parseNpy, writeNpy, npyDataset, type NpyArray } from './data/npy.js';
export { mnistDataset, MNIST_NORMALIZATION } from './data/mnist.js';
export * as errorBudgets from './error-budgets.js';

// Quantization (levels one and two, DoubleQExt) and the integer runtime.
export type { QGraph, QNode, QParams, QValue, PotWeights, PotRounding } from './ir/qgraph.js';
export { calibrate, CALIBRATION_METHODS, type CalibrationMethod, type RangeTable } from './quant/calibrate.js';
export { quantizeInt8, layerFloatWeights, type QuantizeInt8Options } from './quant/quantize-int8.js';
export { quantizePot, resolveLayers } from './quant/quantize-pot.js';
export { encodePot, decodePot, potCode, potValue, isPotCode, potExponent, codeBits, POT_ROUNDINGS, DEFAULT_POT_ROUNDING } from './core/pot-codec.js';
export { correctPotBias } from './quant/bias-correction.js';
export { quantizeModel, type QuantizeModelOptions, type QuantizedModel } from './quant/quantize-model.js';
export { quantizeMultiplier, checkFixedPoint } from './core/fixed-point.js';
export { requantize } from './core/requant.js';
export { roundHalfEven } from './core/rounding.js';
export { QuantizationError } from './core/errors.js';
export { METRICS, staticMetrics, mixLayers, compareLogits, type LayerInfo, type MetricName } from './quant/layer-metrics.js';
export { selectForMemory, selectForDrop, greedyOrder, parseBudget, SEARCHES, type Target, type Search, type Selection } from './quant/select-layers.js';
export { prepareExt, measureSensitivity, selectExt, type ExtModel } from './quant/doubleqext.js';
export { computeFrontier, SetEvaluator, type FrontierResult } from './quant/frontier.js';
export { plan, type Plan } from './plan/planner.js';
export { memoryReport, type MemoryReport } from './plan/memory-report.js';
export { QExecutor, type QExecutorOptions } from './runtime/q-executor.js';
export { runQReference } from './runtime/reference/q-reference-executor.js';
export { writeQModel, readQModel, isQModel, FormatError } from './format/qmodel.js';
export { exportQdq } from './format/export-qdq.js';
export { quantizedClassifier, floatClassifier, referenceQClassifier, type Classifier } from './eval/evaluate.js';
