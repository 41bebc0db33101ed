// Power-of-two weights for the kernel tests (shared by the conv and gemm suites).

import { codeBits, maxPotExponent, potValue, type PotBits, type PotRounding } from "../../src/core/pot-codec.js";
import { randInt } from "./rng.js";

type Rng = () => number;

/** PoT weights (0 or +-2^e) of `count` weights per the case; +-128 is exponent 7 (+-64 for 4-bit floor codes). */
export function potWeights(rng: Rng, count: number, perChannel: number, t: { rule?: PotRounding; wFill?: number; zeroChannels?: boolean; allExponents?: boolean }): { weights: Int16Array; rule: PotRounding; bits: PotBits } {
  const rule = t.rule ?? "log";
  const bits = codeBits(rule);
  const maxExp = maxPotExponent(bits);
  const weights = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    if (t.zeroChannels && Math.floor(i / perChannel) % 3 === 1) {
      void rng(); // the draw that once picked a "+0" or "-0" code: kept so later draws stay the same
      weights[i] = 0;
    } else if (t.wFill === 128 || t.wFill === -128) weights[i] = Math.sign(t.wFill) * 2 ** maxExp;
    else if (t.wFill !== undefined) weights[i] = potValue(t.wFill, rule);
    else if (t.allExponents) {
      const sign = rng() < 0.5 ? -1 : 1;
      weights[i] = sign * 2 ** randInt(rng, 0, maxExp);
    } else weights[i] = potValue(randInt(rng, -127, 127), rule);
  }
  return { weights, rule, bits };
}
