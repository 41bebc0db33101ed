// ONNX Selu: y = gamma * (x > 0 ? x : alpha * (exp(x) - 1)), alpha 1.67326..., gamma 1.0507...
// See: onnx/docs/Operators.md#Selu

import { unaryOp } from './unary.js';

export const Selu = unaryOp('Selu', (a) => {
  const alpha = Math.fround(a.float('alpha', 1.67326319217681884765625)!), gamma = Math.fround(a.float('gamma', 1.05070102214813232421875)!);
  return (x) => gamma * (x > 0 ? x : alpha * Math.expm1(x));
});
