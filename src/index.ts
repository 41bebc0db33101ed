// Public API (Node and browser): re-exports only. No fs, no DOM below this point except src/cli
// and src/data/node-files.ts, which are not exported here.

export { ModelError } from './ir/errors.js';
export type { Graph, Node, Value, ValueInfo } from './ir/graph.js';
export { tensor, f32, sizeOf, type Tensor, type DType } from './ir/tensor.js';
export { summarize, type GraphSummary, type LayerSummary } from './ir/summary.js';
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
