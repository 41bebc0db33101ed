// ONNX Tanh. See: onnx/docs/Operators.md#Tanh

import { unaryOp } from './unary.js';

export const Tanh = unaryOp('Tanh', () => Math.tanh);
