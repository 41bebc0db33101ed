// The host side of the wasm ABI: the generated mirror of assembly/abi*.ts (abi-layout.ts,
// written by scripts/gen-abi.mjs), its field-by-field check against a loaded module's exports,
// and the one writer of params structs. Nothing here is copied by hand from assembly/.

import { ABI_CONSTANTS, ABI_STRUCTS, type AbiStructName } from './abi-layout.js';

export { ABI_CONSTANTS, ABI_STRUCTS, type AbiStructName };

export type FieldOf<S extends AbiStructName> = keyof (typeof ABI_STRUCTS)[S]['fields'] & string;
/** Every field of a params struct, by name (values are i32 / pointers). */
export type ParamsOf<S extends AbiStructName> = Record<FieldOf<S>, number>;

export interface AbiLayout {
  constants: Readonly<Record<string, number>>;
  structs: Readonly<Record<string, { size: number; fields: Readonly<Record<string, number>> }>>;
}

/** The layout the host was built with. */
export const HOST_ABI: AbiLayout = { constants: ABI_CONSTANTS, structs: ABI_STRUCTS };

/** Largest params struct: one shared params area of this size serves every call. */
export const MAX_PARAMS_BYTES = Math.max(...Object.values(ABI_STRUCTS).map((s) => s.size));

function globalValue(exports: Record<string, unknown>, name: string): number | undefined {
  const g = exports[name] as { value?: unknown } | undefined;
  return g !== null && typeof g === 'object' && typeof g.value === 'number' ? g.value : undefined;
}

/**
 * Throws, naming the first disagreement, unless every constant, struct size and field offset
 * of `layout` equals what the module exports (abi_const_*, abi_<Struct>__size,
 * abi_<Struct>_<field>), and the module has no struct field the layout lacks.
 */
export function checkAbi(exports: Record<string, unknown>, layout: AbiLayout = HOST_ABI): void {
  const fail = (what: string, wasm: number | undefined, host: number) => {
    throw new Error(`Engine: ABI mismatch: ${what} is ${wasm ?? 'missing'} in wasm, ${host} on the host (rebuild: npm run build)`);
  };
  for (const [name, v] of Object.entries(layout.constants)) {
    const w = globalValue(exports, `abi_const_${name}`);
    if (w !== v) fail(`constant ${name}`, w, v);
  }
  for (const [struct, { size, fields }] of Object.entries(layout.structs)) {
    const w = globalValue(exports, `abi_${struct}__size`);
    if (w !== size) fail(`sizeof ${struct}`, w, size);
    for (const [field, offset] of Object.entries(fields)) {
      const wf = globalValue(exports, `abi_${struct}_${field}`);
      if (wf !== offset) fail(`offset of ${struct}.${field}`, wf, offset);
    }
    const prefix = `abi_${struct}_`;
    for (const name of Object.keys(exports)) {
      if (name.startsWith(prefix) && name !== `${prefix}_size` && !(name.slice(prefix.length) in fields)) {
        throw new Error(`Engine: ABI mismatch: wasm has field ${struct}.${name.slice(prefix.length)}, the host does not`);
      }
    }
  }
}

const ENTRIES = new Map<string, [string, number][]>(
  Object.entries(ABI_STRUCTS).map(([s, { fields }]) => [s, Object.entries(fields).map(([f, o]) => [f, o >> 2] as [string, number])]),
);

/** The only writer of params structs: every field of `struct`, at its ABI offset from `byteOffset`. */
export function writeParams<S extends AbiStructName>(view: Int32Array, byteOffset: number, struct: S, values: ParamsOf<S>): void {
  const base = byteOffset >> 2;
  const v = values as Record<string, number>;
  for (const [field, word] of ENTRIES.get(struct)!) view[base + word] = v[field]!;
}
