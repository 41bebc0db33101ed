// The library API (Node and browsers alike: bytes in, bytes out; no fs, no DOM).

export { loadModel, saveModel, type Model, type FloatNet, type QuantizedNet } from './model.js';
export type { ImageBatch, ImageSource } from './data.js';
export type { CallOptions, Progress } from './progress.js';
export { calibrate, quantize, type Calibration, type CalibrateOptions, type QuantizeOptions, type Quantized, type LayerCost } from './quantize.js';
export { run, evaluate, predictions, usesSimd, usesThreads, defaultThreadCount, dispose, type EngineOptions, type EvaluateOptions, type Accuracy } from './run.js';
export { inspect, type InspectOptions, type MemoryTable, type LayerMemoryRow } from './inspect.js';
export { frontier, type FrontierOptions, type FrontierResult, type FrontierCurve, type FrontierPoint } from './frontier.js';
export { parseDigits, type Digits, type DigitSet } from './digits.js';
