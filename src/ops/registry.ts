// The ops doubleq imports, by ONNX op type (default domain).

import type { OpDef } from './op.js';
import { Add } from './add.js';
import { BatchNormalization } from './batch-normalization.js';
import { Clip } from './clip.js';
import { Concat } from './concat.js';
import { Constant } from './constant.js';
import { Conv } from './conv.js';
import { Flatten } from './flatten.js';
import { Gather } from './gather.js';
import { Gemm } from './gemm.js';
import { GlobalAveragePool } from './global-average-pool.js';
import { Identity } from './identity.js';
import { MatMul } from './matmul.js';
import { Pad } from './pad.js';
import { AveragePool, MaxPool } from './pool.js';
import { Relu } from './relu.js';
import { Reshape } from './reshape.js';
import { Shape } from './shape.js';
import { Slice } from './slice.js';
import { Unsqueeze } from './unsqueeze.js';
import { EXTRA_OPS } from './registry-extra.js';

const ALL: OpDef<any>[] = [
  Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, Flatten, Gather, Gemm,
  GlobalAveragePool, Identity, MatMul, MaxPool, Pad, Relu, Reshape, Shape, Slice, Unsqueeze,
  ...EXTRA_OPS,
];

export const OPS: ReadonlyMap<string, OpDef<any>> = new Map(ALL.map((o) => [o.type, o]));
