// ONNX Sigmoid: y = 1 / (1 + exp(-x)). See: onnx/docs/Operators.md#Sigmoid

import { unaryOp } from './unary.js';

export const Sigmoid = unaryOp('Sigmoid', () => (x) => 1 / (1 + Math.exp(-x)));
