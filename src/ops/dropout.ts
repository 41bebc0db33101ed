// ONNX Dropout at inference: Y = X (ratio and training_mode inputs are read only as constants;
// training_mode must be false). The optional mask output is not supported.
// See: onnx/docs/Operators.md#Dropout

import { expectFloat, fail, need, type OpDef } from './op.js';

export const Dropout: OpDef<Record<string, never>> = {
  type: 'Dropout',
  arity: [1, 3],
  outputs: 1,
  parse(a) {
    a.ignore('seed');
    if (a.has('is_test')) a.ignore('is_test'); // opset < 7
    a.ignore('ratio'); // opset < 12: an attribute, irrelevant at inference
    return {};
  },
  infer([x], consts) {
    const X = need(x, 'data');
    expectFloat(X, 'data');
    const t = consts[2];
    if (t && Number(t.data[0]) !== 0) fail('training_mode=true is not inference: doubleq runs Dropout as the identity only');
    return [{ dtype: 'float32', shape: X.shape }];
  },
  run: ([x]) => [need(x, 'data')],
};
