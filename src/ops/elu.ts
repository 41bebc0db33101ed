// ONNX Elu: y = x >= 0 ? x : alpha * (exp(x) - 1), alpha 1 by default. See: onnx/docs/Operators.md#Elu

import { unaryOp } from './unary.js';

export const Elu = unaryOp('Elu', (a) => {
  const alpha = Math.fround(a.float('alpha', 1)!);
  return (x) => (x >= 0 ? x : alpha * Math.expm1(x));
});
