// ONNX HardSigmoid: y = max(0, min(1, alpha * x + beta)), alpha 0.2, beta 0.5 by default.
// See: onnx/docs/Operators.md#HardSigmoid

import { unaryOp } from './unary.js';

export const HardSigmoid = unaryOp('HardSigmoid', (a) => {
  const alpha = Math.fround(a.float('alpha', 0.2)!), beta = Math.fround(a.float('beta', 0.5)!);
  return (x) => Math.max(0, Math.min(1, Math.fround(Math.fround(alpha * x) + beta)));
});
