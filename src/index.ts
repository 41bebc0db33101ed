// Public API (Node and browser): the library of src/api/ and the names its types and errors use.
// Internal helpers stay internal; the CLI is the separate entry point 'doubleq/cli'.

export * from './api/index.js';
export { ModelError } from './ir/errors.js';
export { DataError } from './data/dataset.js';
export { FormatError } from './format/qmodel.js';
export { QuantizationError } from './core/errors.js';
export { CalibrationError, CALIBRATION_METHODS, type CalibrationMethod } from './quant/calibrate.js';
export { METRICS, type MetricName } from './quant/layer-metrics.js';
export { SEARCHES, type Search } from './quant/select-layers.js';
export { POT_ROUNDINGS } from './core/pot-codec.js';
export type { PotRounding } from './ir/qgraph.js';
export { MNIST_NORMALIZATION } from './data/mnist.js';
