// Typed access to a node's ONNX attributes. Every attribute must be read by the op's
// parser: one that is left unread is an unsupported attribute and is reported.

import { fail } from './op-error.js';
import type { Tensor } from '../ir/tensor.js';

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'other'; value: string };

export class AttrReader {
  private readonly used = new Set<string>();
  constructor(private readonly attrs: ReadonlyMap<string, AttrValue>) {}

  has(name: string): boolean {
    return this.attrs.has(name);
  }

  private get<K extends AttrValue['kind']>(name: string, kind: K): Extract<AttrValue, { kind: K }> | undefined {
    const a = this.attrs.get(name);
    if (!a) return undefined;
    this.used.add(name);
    if (a.kind !== kind) fail(`attribute '${name}' must be ${kind}, got ${a.kind}`);
    return a as Extract<AttrValue, { kind: K }>;
  }

  int(name: string, dflt: number): number;
  int(name: string): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    return this.get(name, 'int')?.value ?? dflt;
  }
  ints(name: string, dflt: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, dflt?: number[]): number[] | undefined {
    return this.get(name, 'ints')?.value ?? dflt;
  }
  float(name: string, dflt: number): number;
  float(name: string): number | undefined;
  float(name: string, dflt?: number): number | undefined {
    // attrsOf() cannot tell 1.0 from 1: accept an int where a float is expected.
    if (this.attrs.get(name)?.kind === 'int') return this.get(name, 'int')?.value;
    return this.get(name, 'float')?.value ?? dflt;
  }
  floats(name: string): number[] | undefined {
    return this.get(name, 'floats')?.value;
  }
  string(name: string, dflt: string): string;
  string(name: string): string | undefined;
  string(name: string, dflt?: string): string | undefined {
    return this.get(name, 'string')?.value ?? dflt;
  }
  tensor(name: string): Tensor | undefined {
    return this.get(name, 'tensor')?.value;
  }
  /** Marks an attribute as known but without effect on inference (e.g. BN momentum). */
  ignore(name: string): void {
    this.used.add(name);
  }
  unread(): string[] {
    return [...this.attrs.keys()].filter((k) => !this.used.has(k));
  }
}

/** An AttrReader over plain values, for building nodes in code and tests. */
export function attrsOf(values: Record<string, number | number[] | string | Tensor>): AttrReader {
  const m = new Map<string, AttrValue>();
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'number') m.set(k, Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v });
    else if (typeof v === 'string') m.set(k, { kind: 'string', value: v });
    else if (Array.isArray(v)) m.set(k, { kind: 'ints', value: v });
    else m.set(k, { kind: 'tensor', value: v });
  }
  return new AttrReader(m);
}
