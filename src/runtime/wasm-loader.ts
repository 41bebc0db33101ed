// The only module that knows the wasm binaries: decodes the embedded base64, detects SIMD
// support with WebAssembly.validate and instantiates scalar or SIMD with @assemblyscript/loader
// (the same code in Node and browsers; its env.abort turns a kernel abort into an Error with the
// AssemblyScript message, file, line and column). No fs, no fetch, no DOM.
// see: onnxruntime js/web/lib/wasm/wasm-factory.ts (isSimdSupported), as-sha256 src/wasm.ts (newInstance)
import { instantiate } from "@assemblyscript/loader";
import { Engine } from "../engine/engine.js";
import { SCALAR_MT_WASM_BASE64, SCALAR_WASM_BASE64, SIMD_MT_WASM_BASE64, SIMD_WASM_BASE64 } from "./wasm-binaries.js";

export interface LoadEngineOptions {
  /** true: SIMD build (throws when unsupported); false: scalar build; default: SIMD when supported. */
  simd?: boolean;
}

/** The part of the WebAssembly JS API used here (declared locally: the project's lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
}

function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) throw new Error("loadEngine: this runtime has no WebAssembly support");
  return api;
}

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (RFC 4648, with or without '=' padding) to bytes; uses atob when the platform has it. */
export function decodeBase64(text: string): Uint8Array {
  const atob = (globalThis as { atob?: (data: string) => string }).atob;
  if (typeof atob === "function") {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  const clean = text.replace(/=+$/, "");
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = BASE64_ALPHABET.indexOf(clean[i]!);
    if (v < 0) throw new Error(`decodeBase64: invalid character '${clean[i]}' at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[j++] = (acc >> bits) & 0xff;
    }
  }
  return bytes;
}

/** True when this engine validates the SIMD build (i.e. supports SIMD128). */
export function isSimdSupported(): boolean {
  return wasmApi().validate(decodeBase64(SIMD_WASM_BASE64));
}

/** Instantiates one kernel module and wraps it in a new Engine (no shared state between engines). */
export async function loadEngine(opts: LoadEngineOptions = {}): Promise<Engine> {
  const wasm = wasmApi();
  const simdBytes = decodeBase64(SIMD_WASM_BASE64);
  const simdSupported = wasm.validate(simdBytes);
  if (opts.simd === true && !simdSupported) {
    throw new Error("loadEngine: WebAssembly SIMD128 is not supported by this runtime; use { simd: false }");
  }
  const simd = opts.simd ?? simdSupported;
  const bytes = simd ? simdBytes : decodeBase64(SCALAR_WASM_BASE64);
  const { exports } = await instantiate<Record<string, unknown>>(bytes, {});
  return new Engine({ exports }, simd);
}

/** Pages the threads builds declare as their shared memory's maximum (asconfig.json maximumMemory: 2 GiB). */
export const SHARED_MAX_PAGES = 32768;

export interface SharedEngine {
  engine: Engine;
  /** the compiled threads build, to instantiate once per worker over `memory` */
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** first byte after the module's static data (each worker copies [0, heapBase)) */
  heapBase: number;
}

/** True when this runtime can share wasm memory between threads (SharedArrayBuffer; in a page: cross-origin isolation). */
export function isSharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** The threads build (scalar-mt / simd-mt) over a new shared memory: the main thread's engine (src/runtime/parallel-executor.ts). */
export async function loadSharedEngine(opts: LoadEngineOptions = {}): Promise<SharedEngine> {
  const simdSupported = isSimdSupported();
  if (opts.simd === true && !simdSupported) {
    throw new Error("loadEngine: WebAssembly SIMD128 is not supported by this runtime; use { simd: false }");
  }
  if (!isSharedMemorySupported()) throw new Error("loadSharedEngine: this runtime has no shared WebAssembly memory (SharedArrayBuffer; in a page it needs cross-origin isolation)");
  const simd = opts.simd ?? simdSupported;
  const module = await WebAssembly.compile(decodeBase64(simd ? SIMD_MT_WASM_BASE64 : SCALAR_MT_WASM_BASE64) as Uint8Array<ArrayBuffer>);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const heapBase = (instance.exports.HEAP_BASE as { value: number }).value;
  return { engine: new Engine({ exports: { ...instance.exports, memory } }, simd), module, memory, heapBase };
}
