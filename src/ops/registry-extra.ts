// The ops issue 12 added: elementwise unary ops (integer form: a 256-entry table), Mul,
// Softmax, Dropout (identity) and Transpose (layout at the edges only).

import type { OpDef } from './op.js';
import { Abs } from './abs.js';
import { Dropout } from './dropout.js';
import { Elu } from './elu.js';
import { HardSigmoid } from './hard-sigmoid.js';
import { HardSwish } from './hard-swish.js';
import { LeakyRelu } from './leaky-relu.js';
import { Mul } from './mul.js';
import { Neg } from './neg.js';
import { Selu } from './selu.js';
import { Sigmoid } from './sigmoid.js';
import { Softmax } from './softmax.js';
import { Softplus } from './softplus.js';
import { Tanh } from './tanh.js';
import { Transpose } from './transpose.js';

export const EXTRA_OPS: OpDef<any>[] = [Abs, Dropout, Elu, HardSigmoid, HardSwish, LeakyRelu, Mul, Neg, Selu, Sigmoid, Softmax, Softplus, Tanh, Transpose];
