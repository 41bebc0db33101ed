// Bump allocation over one wasm memory: the host side of the memory contract in assembly/abi.ts.
//
// - Offsets are ALIGN (16) byte aligned and every buffer is followed by EXTRA_BYTES (16) of
//   padding, so kernels may read (never write) up to 16 bytes past a buffer's end.
// - `reset()` rewinds the bump pointer but keeps the memory: capacity is reused across calls
//   and memory only grows when a call needs more than any call before it.
// - Never hold a typed view across `alloc()`: growing memory detaches every view of the old
//   buffer ("Every call to grow will detach any references to the old buffer", MDN
//   WebAssembly.Memory.grow). Take views from `f32()` / `u8()` / `i32()` after allocating.

export const EXTRA_BYTES = 16;
export const ALIGN = 16;
export const WASM_PAGE_BYTES = 65536;

/** The part of WebAssembly.Memory the heap uses (declared here: the project's lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

export class Heap {
  private top: number;
  private readonly base: number;

  /** `base`: first usable byte (the module's __heap_base); everything below is static data. */
  constructor(
    readonly memory: WasmMemory,
    base: number,
  ) {
    this.base = alignUp(Math.max(base, ALIGN), ALIGN); // offset 0 stays free: 0 means "null"
    this.top = this.base;
  }

  /** Bytes currently reserved (memory size), reused by later calls. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes handed out so far (alignment and EXTRA_BYTES padding included), from `base`. */
  get used(): number {
    return alignUp(this.top, ALIGN) - this.base;
  }

  /** Frees every allocation at once; the memory itself is kept. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` (+ EXTRA_BYTES padding) and returns a 16-byte aligned byte offset. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`Heap.alloc: invalid size ${bytes}`);
    const offset = alignUp(this.top, ALIGN);
    const end = offset + bytes + EXTRA_BYTES;
    this.ensure(end);
    this.top = end;
    return offset;
  }

  /** Grows memory (64 KiB pages) until at least `end` bytes are addressable. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > 0xffff_0000) throw new Error(`Heap: ${end} bytes exceed the 4 GiB wasm32 address space`);
    const pages = Math.ceil((end - have) / WASM_PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new Error(`Heap: cannot grow wasm memory from ${have} to ${end} bytes`, { cause });
    }
  }

  /** Fresh views: valid until the next alloc()/ensure(). */
  f32(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }
  i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }
  u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }
}
