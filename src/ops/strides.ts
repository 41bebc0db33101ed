// Row-major strides and N-d index iteration shared by the layout ops (Pad, Slice, Concat, Gather).

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Calls fn(outFlat, coords) for every element of `shape` in row-major order. */
export function forEachIndex(shape: readonly number[], fn: (flat: number, coord: readonly number[]) => void): void {
  const n = shape.reduce((p, d) => p * d, 1);
  if (n === 0) return;
  const c = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    fn(k, c);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++c[d]! < shape[d]!) break;
      c[d] = 0;
    }
  }
}
