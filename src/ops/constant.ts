// ONNX Constant: a tensor given by exactly one of value, value_float(s), value_int(s).
// Sparse and string constants are not supported. See: onnx/docs/Operators.md#Constant

import { f32, int64, type Tensor } from '../ir/tensor.js';
import { fail, type OpDef } from './op.js';

export interface ConstantAttrs { value: Tensor }

export const Constant: OpDef<ConstantAttrs> = {
  type: 'Constant',
  arity: [0, 0],
  parse(a) {
    const forms: Tensor[] = [];
    const t = a.tensor('value');
    if (t) forms.push(t);
    const vf = a.has('value_float') ? a.float('value_float') : undefined;
    if (vf !== undefined) forms.push(f32([], Float32Array.of(vf)));
    const vfs = a.floats('value_floats');
    if (vfs) forms.push(f32([vfs.length], Float32Array.from(vfs)));
    const vi = a.int('value_int');
    if (vi !== undefined) forms.push(int64([], [vi]));
    const vis = a.ints('value_ints');
    if (vis) forms.push(int64([vis.length], vis));
    if (forms.length !== 1) fail(forms.length ? 'more than one value attribute' : 'no supported value attribute (sparse and string constants are not supported)');
    return { value: forms[0]! };
  },
  infer: (_i, _c, { value }) => [{ dtype: value.dtype, shape: value.shape }],
  run: (_i, { value }) => [value],
};
