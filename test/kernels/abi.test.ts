// The host mirror of the wasm ABI (src/engine/abi-layout.ts, generated from assembly/abi*.ts)
// against what each compiled build reports (offsetof<T>("field") exports), field by field.
import { beforeAll, describe, expect, it } from "vitest";
import { ABI_STRUCTS, checkAbi, HOST_ABI, writeParams, type AbiLayout } from "../../src/engine/abi.js";
import type { Engine } from "../../src/engine/engine.js";
import { decodeBase64, loadEngine } from "../../src/runtime/wasm-loader.js";
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "../../src/runtime/wasm-binaries.js";

type Exports = Record<string, unknown>;
const builds: [string, string][] = [["scalar", SCALAR_WASM_BASE64], ["simd", SIMD_WASM_BASE64]];
const exportsOf: Record<string, Exports> = {};

const value = (e: Exports, name: string) => (e[name] as { value: number } | undefined)?.value;

/** The layout with two fields of one struct swapped (same type: both i32 or both pointers). */
function swapped(struct: string, a: string, b: string): AbiLayout {
  const s = HOST_ABI.structs[struct]!;
  return { ...HOST_ABI, structs: { ...HOST_ABI.structs, [struct]: { size: s.size, fields: { ...s.fields, [a]: s.fields[b]!, [b]: s.fields[a]! } } } };
}

describe("wasm ABI mirror", () => {
  beforeAll(async () => {
    for (const [name, b64] of builds) {
      const instance = (await WebAssembly.instantiate(decodeBase64(b64), { env: { abort() {} } })) as unknown as { instance: WebAssembly.Instance };
      exportsOf[name] = instance.instance.exports as Exports;
    }
  });

  for (const [build] of builds) {
    it(`${build}: every struct size, field offset and constant equals the host mirror, name by name`, () => {
      const e = exportsOf[build]!;
      let fields = 0;
      for (const [struct, { size, fields: offsets }] of Object.entries(ABI_STRUCTS)) {
        expect(value(e, `abi_${struct}__size`), `sizeof ${struct}`).toBe(size);
        for (const [field, offset] of Object.entries(offsets)) {
          expect(value(e, `abi_${struct}_${field}`), `${struct}.${field}`).toBe(offset);
          fields++;
        }
      }
      for (const [name, v] of Object.entries(HOST_ABI.constants)) expect(value(e, `abi_const_${name}`), name).toBe(v);
      expect(fields).toBeGreaterThan(150); // every params struct of every kernel is covered
      expect(() => checkAbi(e)).not.toThrow();
    });
  }

  it("a swapped pair of same-typed fields fails the check (in every struct), naming the field", () => {
    for (const e of Object.values(exportsOf)) {
      expect(() => checkAbi(e, swapped("Qs8Qc8wConv2dParams", "zx", "zy"))).toThrow(/Qs8Qc8wConv2dParams\.zx is at|offset of Qs8Qc8wConv2dParams\.zx/);
      expect(() => checkAbi(e, swapped("Qs8PotwConv2dParams", "input", "output"))).toThrow(/Qs8PotwConv2dParams\.input/);
      for (const [struct, { fields }] of Object.entries(ABI_STRUCTS)) {
        const names = Object.keys(fields);
        const [a, b] = [names[names.length - 2]!, names[names.length - 1]!]; // the last two are i32 in every struct
        expect(() => checkAbi(e, swapped(struct, a, b)), `${struct}: ${a} <-> ${b}`).toThrow(new RegExp(`${struct}\\.${a}`));
      }
    }
  });

  it("a missing field, a wrong size or a changed constant fails too", () => {
    const e = exportsOf.simd!;
    const s = HOST_ABI.structs.Qs8VaddParams!;
    const { qmax: _drop, ...rest } = s.fields;
    expect(() => checkAbi(e, { ...HOST_ABI, structs: { ...HOST_ABI.structs, Qs8VaddParams: { size: s.size, fields: rest } } })).toThrow(/Qs8VaddParams\.qmax/);
    expect(() => checkAbi(e, { ...HOST_ABI, structs: { ...HOST_ABI.structs, Qs8VaddParams: { ...s, size: s.size + 4 } } })).toThrow(/sizeof Qs8VaddParams/);
    expect(() => checkAbi(e, { ...HOST_ABI, constants: { ...HOST_ABI.constants, QS8_GEMM_NR: 8 } })).toThrow(/QS8_GEMM_NR/);
  });

  it("writeParams puts each field at its offset", () => {
    const view = new Int32Array(64);
    const fields = ABI_STRUCTS.Qs8Qc8wGemmParams.fields;
    const values = Object.fromEntries(Object.keys(fields).map((f, i) => [f, 1000 + i])) as Record<keyof typeof fields, number>;
    writeParams(view, 16, "Qs8Qc8wGemmParams", values);
    for (const [f, o] of Object.entries(fields)) expect(view[(16 + o) / 4], f).toBe(values[f as keyof typeof fields]);
  });

  it("the Engine checks the ABI when it loads a build", async () => {
    const engines: Engine[] = [await loadEngine({ simd: false }), await loadEngine({ simd: true })];
    expect(engines.map((e) => e.simd)).toEqual([false, true]);
  });
});
