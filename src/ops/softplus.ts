// ONNX Softplus: y = ln(exp(x) + 1). See: onnx/docs/Operators.md#Softplus

import { unaryOp } from './unary.js';

export const Softplus = unaryOp('Softplus', () => (x) => (x > 20 ? x : Math.log1p(Math.exp(x))));
