// ONNX Abs (float). See: onnx/docs/Operators.md#Abs

import { unaryOp } from './unary.js';

export const Abs = unaryOp('Abs', () => Math.abs);
