// Memory contract shared by every kernel and the host (src/engine/heap.ts, src/engine/engine.ts).
//
// - Every buffer handed to a kernel starts on an ALIGN-byte boundary and is followed by
//   EXTRA_BYTES of padding: kernels may *read* up to EXTRA_BYTES past the end of a buffer,
//   they never *write* past it.
// - Kernels never allocate. Temporary space (packed im2col tiles) is a host-reserved
//   `scratch` region whose minimum size each params struct documents.
// - Params structs are written by exactly one host function each; the field order below
//   is the ABI (all fields are 4 bytes on wasm32, so offset = 4 * field index).
// see: XNNPACK include/xnnpack.h (XNN_EXTRA_BYTES), AS std/assembly/rt/common.ts (AL_BITS = 4)

export const EXTRA_BYTES: i32 = 16;
export const ALIGN: i32 = 16;

// The params structs live in assembly/abi/*.ts (re-exported here). scripts/gen-abi.mjs reads
// them and writes the host mirror (src/engine/abi-layout.ts) and assembly/abi-exports.ts, which
// exports every constant, struct size and field offset from the wasm builds so that the host
// checks its mirror field by field at load (src/engine/abi.ts).
export * from "./abi/f32";
export * from "./abi/qs8";
export * from "./abi/potw";
export * from "./abi/dwconv";
export * from "./abi/ops";
