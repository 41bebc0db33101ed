// ONNX LeakyRelu: y = x >= 0 ? x : alpha * x, alpha 0.01 by default. See: onnx/docs/Operators.md#LeakyRelu

import { unaryOp } from './unary.js';

export const LeakyRelu = unaryOp('LeakyRelu', (a) => {
  const alpha = Math.fround(a.float('alpha', 0.01)!);
  return (x) => (x >= 0 ? x : alpha * x);
});
