// Embeds build/scalar.wasm and build/simd.wasm (and their threads builds, *-mt.wasm: imported
// shared memory, src/runtime/thread-pool.ts) as base64 strings in src/runtime/wasm-binaries.ts,
// so Node and browsers load the kernels without fs, fetch or locateFile.
// Usage: npm run asbuild && node scripts/embed-wasm.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const GENERATOR = "scripts/embed-wasm.mjs";
const OUT = "src/runtime/wasm-binaries.ts";

function base64Of(relPath) {
  const bytes = readFileSync(join(root, relPath));
  if (!WebAssembly.validate(bytes, { simd: true }) && !WebAssembly.validate(bytes)) {
    throw new Error(`${relPath} is not a valid WebAssembly module`);
  }
  return { base64: bytes.toString("base64"), size: bytes.length };
}

const scalar = base64Of("build/scalar.wasm");
const simd = base64Of("build/simd.wasm");
const scalarMt = base64Of("build/scalar-mt.wasm");
const simdMt = base64Of("build/simd-mt.wasm");

const text = `// Auto-generated file. Do not edit!
// Generator: ${GENERATOR} (from build/scalar.wasm, build/simd.wasm, build/scalar-mt.wasm, build/simd-mt.wasm)

/** build/scalar.wasm (${scalar.size} bytes): baseline wasm, no SIMD. */
export const SCALAR_WASM_BASE64 =
  "${scalar.base64}";

/** build/simd.wasm (${simd.size} bytes): SIMD128 kernels. */
export const SIMD_WASM_BASE64 =
  "${simd.base64}";

/** build/scalar-mt.wasm (${scalarMt.size} bytes): the scalar kernels over an imported shared memory (threads). */
export const SCALAR_MT_WASM_BASE64 =
  "${scalarMt.base64}";

/** build/simd-mt.wasm (${simdMt.size} bytes): the SIMD128 kernels over an imported shared memory (threads). */
export const SIMD_MT_WASM_BASE64 =
  "${simdMt.base64}";
`;

writeFileSync(join(root, OUT), text);
console.log(`wrote ${OUT} (scalar ${scalar.size} B, simd ${simd.size} B, scalar-mt ${scalarMt.size} B, simd-mt ${simdMt.size} B)`);
