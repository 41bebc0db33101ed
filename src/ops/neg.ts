// ONNX Neg (float). See: onnx/docs/Operators.md#Neg

import { unaryOp } from './unary.js';

export const Neg = unaryOp('Neg', () => (x) => -x);
