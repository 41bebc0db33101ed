import { X8ConcatParams } from "../../abi";

// x8_concat__scalar with 16-byte copies; each row's tail (len mod 16) byte by byte, so no byte
// past a row is written (rows of other inputs interleave in the output).
export function x8_concat__wasmsimd(p: X8ConcatParams): void {
  const rows = p.n * p.outer;
  const row = p.len0 + (p.inputs > 1 ? p.len1 : 0) + (p.inputs > 2 ? p.len2 : 0) + (p.inputs > 3 ? p.len3 : 0);
  for (let k = 0; k < p.inputs; k++) {
    const src = k == 0 ? p.in0 : k == 1 ? p.in1 : k == 2 ? p.in2 : p.in3;
    const len = k == 0 ? p.len0 : k == 1 ? p.len1 : k == 2 ? p.len2 : p.len3;
    const off = k == 0 ? 0 : k == 1 ? p.len0 : k == 2 ? p.len0 + p.len1 : p.len0 + p.len1 + p.len2;
    for (let r = 0; r < rows; r++) {
      const s = src + <usize>(r * len), d = p.output + <usize>(r * row + off);
      let i = 0;
      for (; i + 16 <= len; i += 16) v128.store(d + <usize>i, v128.load(s + <usize>i));
      for (; i < len; i++) store<u8>(d + <usize>i, load<u8>(s + <usize>i));
    }
  }
}
