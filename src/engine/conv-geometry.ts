// Convolution / pooling window geometry (ONNX Conv, explicit pads): the one validator, used by
// the planner for every integer conv and pooling layer and by the f32 conv path.

/** A window over an h x w x c input; m and group for convolutions (absent for pooling). */
export interface WindowGeometry {
  c: number; h: number; w: number;
  m?: number; group?: number;
  kh: number; kw: number;
  strideH: number; strideW: number;
  padTop: number; padLeft: number; padBottom: number; padRight: number;
  dilationH: number; dilationW: number;
  oh: number; ow: number;
}

/** Output size of one spatial axis (ONNX Conv, explicit pads). */
export function convOutputSize(size: number, k: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return Math.floor((size + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
}

export function checkInt(op: string, name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${op}: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
}

/** Throws `op: ...` unless `g` is a well-formed window whose oh / ow follow from the rest. */
export function validateWindow(op: string, g: WindowGeometry): void {
  const positive = ['c', 'h', 'w', 'kh', 'kw', 'strideH', 'strideW', 'dilationH', 'dilationW', 'oh', 'ow'] as const;
  for (const key of positive) checkInt(op, `geometry.${key}`, g[key], 1, 2 ** 30);
  for (const key of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) checkInt(op, `geometry.${key}`, g[key], 0, 2 ** 30);
  if (g.m !== undefined) checkInt(op, 'geometry.m', g.m, 1, 2 ** 30);
  if (g.group !== undefined) {
    checkInt(op, 'geometry.group', g.group, 1, 2 ** 30);
    if (g.c % g.group !== 0 || g.m! % g.group !== 0) throw new Error(`${op}: group ${g.group} must divide c ${g.c} and m ${g.m}`);
  }
  const oh = convOutputSize(g.h, g.kh, g.strideH, g.padTop, g.padBottom, g.dilationH);
  const ow = convOutputSize(g.w, g.kw, g.strideW, g.padLeft, g.padRight, g.dilationW);
  if (g.oh !== oh || g.ow !== ow) throw new Error(`${op}: output size ${g.oh}x${g.ow} does not match the geometry, expected ${oh}x${ow}`);
}
