// ONNX Identity: Y = X. See: onnx/docs/Operators.md#Identity

import { need, type OpDef } from './op.js';

export const Identity: OpDef<Record<string, never>> = {
  type: 'Identity',
  arity: [1, 1],
  parse: () => ({}),
  infer: ([x]) => [need(x, 'input')],
  run: ([x]) => [need(x, 'input')],
};
