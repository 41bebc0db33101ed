// Power-of-two weight codes for the kernel tests (shared by the conv and gemm suites).

import type { PotRounding } from "../../src/ir/qgraph.js";
import { codeBits, decodePot, encodePot } from "../../src/quant/quantize-pot.js";
import { randInt } from "./rng.js";

type Rng = () => number;

/** PoT codes of `count` weights per the case (rule's code width); +-128 is code exponent 7. */
export function potCodes(rng: Rng, count: number, perChannel: number, t: { rule?: PotRounding; wFill?: number; zeroChannels?: boolean; allExponents?: boolean }): { codes: Uint8Array; weights: Int16Array; rule: PotRounding; bits: 4 | 5 } {
  const rule = t.rule ?? "log";
  const bits = codeBits(rule);
  const signBit = 1 << (bits - 1);
  const maxExp = bits === 5 ? 7 : 6;
  const codes = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (t.zeroChannels && Math.floor(i / perChannel) % 3 === 1) codes[i] = rng() < 0.5 ? 0 : signBit; // +0 and -0 codes
    else if (t.wFill === 128 || t.wFill === -128) codes[i] = (t.wFill < 0 ? signBit : 0) | (maxExp + 1);
    else if (t.wFill !== undefined) codes[i] = encodePot(t.wFill, rule);
    else if (t.allExponents) codes[i] = (rng() < 0.5 ? signBit : 0) | (randInt(rng, 0, maxExp) + 1);
    else codes[i] = encodePot(randInt(rng, -127, 127), rule);
  }
  const weights = Int16Array.from(codes, (c) => decodePot(c, bits));
  return { codes, weights, rule, bits };
}
