// ONNX HardSwish: y = x * max(0, min(1, x / 6 + 1 / 2)). See: onnx/docs/Operators.md#HardSwish

import { unaryOp } from './unary.js';

const SIXTH = Math.fround(1 / 6);

export const HardSwish = unaryOp('HardSwish', () => (x) => x * Math.max(0, Math.min(1, Math.fround(Math.fround(x * SIXTH) + 0.5))));
