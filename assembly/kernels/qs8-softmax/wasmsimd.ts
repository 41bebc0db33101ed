import { Qs8SoftmaxParams } from "../../abi";
import { softmaxRuns } from "./scalar";

// The SIMD build runs the scalar loop: a softmax sits at the output, a few runs per image, and
// its table lookups do not vectorise (same bytes by construction).
export function qs8_softmax__wasmsimd(p: Qs8SoftmaxParams): void {
  softmaxRuns(p);
}
