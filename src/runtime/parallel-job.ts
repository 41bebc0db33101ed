// The job of one threaded run (src/runtime/parallel-executor.ts): each step's call cut into
// `units` parts (split-specs.ts), grouped into phases. A phase holds, per unit, the calls that
// unit makes in order; no unit of a phase touches bytes another unit of it writes (or writes
// bytes another reads), so the units of a phase may run on any thread, in any order or at once
// (compute-worker.ts: each thread takes its own units, then steals the others'). A barrier
// separates two steps only where that would fail: a conv's halo rows, a buffer the arena
// reuses. An Add that reads exactly the rows its unit's conv wrote joins that conv's phase.
// Steps whose kernel has no split entry are one unit's calls, alone in their phase.

import { KERNELS, type Buffers, type KernelName } from '../engine/kernel-specs.js';
import { splitCall, type Parts } from './split-specs.js';

type P = Record<string, number>;
/**
 * A kernel call. `own`: the field that holds the running thread's unpack region (patched at run
 * time like `scratch`): `unpacked` for a call that unpacks into it, `packed` for a conv that
 * reads the int16 blocks there. `once`: an unpack of step `once` (split-specs.ts ownUnpack),
 * which a thread skips when its region holds that step's blocks already.
 */
export interface Call { kernel: KernelName; params: P; own?: 'unpacked' | 'packed'; once?: number }
/** phases[phase][unit]: that unit's calls */
export interface Job { participants: number; units: number; phases: Call[][][] }
/** A step as planned: its call; with `unpack`, the unpack into the thread's region that every unit of it runs first (once per thread), `key` its step index. */
export interface JobStep { kernel: KernelName; base: P; unpack?: P; key?: number }
type Span = [number, number];
interface Touch { r: Span[]; w: Span[] }

function spans(c: Call): Touch {
  const b = (KERNELS[c.kernel].buffers as (p: P) => Buffers)(c.params);
  const s = (fields: [string, number][]): Span[] => fields.filter(([, n]) => n > 0).map(([f, n]) => [c.params[f]!, c.params[f]! + n]);
  // scratch and the own unpack region are the running thread's (each thread has its own): no unit shares them with a unit on another thread
  const mine = ([f]: [string, number]) => f !== c.own;
  return { r: s(b.reads.filter(mine)), w: s(b.writes.filter(mine)) };
}

const touches = (units: Call[][]): Touch[] => units.map((cs) => ({ r: cs.flatMap((x) => spans(x).r), w: cs.flatMap((x) => spans(x).w) }));
const overlaps = (a: Span[], b: Span[]) => a.some(([x0, x1]) => b.some(([y0, y1]) => x0 < y1 && y0 < x1));

/** True when some unit's calls in `parts` touch what another unit wrote or read in `acc` (or in `parts`). */
function conflicts(acc: Touch[], parts: Touch[]): boolean {
  for (let t = 0; t < parts.length; t++) {
    for (let u = 0; u < acc.length; u++) {
      if (u === t) continue;
      if (overlaps(parts[t]!.w, acc[u]!.r) || overlaps(parts[t]!.w, acc[u]!.w) || overlaps(parts[t]!.r, acc[u]!.w)) return true;
    }
  }
  return false;
}

/**
 * An elementwise Add cut where each unit's writes (in `acc`, the phase so far) of its `a` (or
 * `b`) input end, so each unit adds what it wrote; null when those writes are not one
 * contiguous range per unit, in unit order, covering the input.
 */
function alignedAdd(acc: { w: Span[] }[], p: P, k: number): Parts | null {
  const count = p.count!;
  for (const field of ['a', 'b']) {
    const a0 = p[field]!, cuts = [0];
    for (let t = 0; t < k && cuts.length > 0; t++) {
      const mine = (acc[t]?.w ?? []).filter(([x, y]) => x < a0 + count && y > a0).map(([x, y]): Span => [Math.max(x, a0) - a0, Math.min(y, a0 + count) - a0]).sort((u, v) => u[0] - v[0]);
      let end = cuts[t]!;
      for (const [x, y] of mine) {
        if (x > end) end = -1;
        if (end < 0) break;
        end = Math.max(end, y);
      }
      if (end < 0 || (mine.length > 0 && mine[0]![0] !== cuts[t])) cuts.length = 0;
      else cuts.push(end);
    }
    if (cuts.length === k + 1 && cuts[k] === count) {
      return Array.from({ length: k }, (_, t) => {
        const from = cuts[t]!, to = cuts[t + 1]!;
        return to > from ? [{ ...p, count: to - from, a: p.a! + from, b: p.b! + from, output: p.output! + from }] : [];
      });
    }
  }
  return null;
}

/** The phases of `steps` cut into `units` parts, after `first` (the input's quantize, or none). */
export function planPhases(steps: JobStep[], units: number, first: Call[][] | null): Call[][][] {
  const phases: Call[][][] = first ? [first] : [];
  let cur: Call[][] | null = null, curSplit = false;
  let acc: Touch[] = [];
  const flush = () => {
    if (cur) phases.push(cur);
    cur = null;
    acc = [];
  };
  for (const c of steps) {
    const base = c.base;
    let { parts, split } = splitCall(c.kernel, base, units);
    // a unit with a part of an unpacked conv first unpacks it (once per thread); other unpacking calls unpack into their thread's region per call
    const calls = (parts: Parts) => parts.map((ps): Call[] => {
      const cs = ps.map((p): Call => (c.unpack ? { kernel: c.kernel, params: p, own: 'packed' } : 'unpacked' in p && p.codeBits !== 0 ? { kernel: c.kernel, params: p, own: 'unpacked' } : { kernel: c.kernel, params: p }));
      return c.unpack && cs.length > 0 ? [{ kernel: c.kernel, params: c.unpack, own: 'unpacked', once: c.key }, ...cs] : cs;
    });
    let mine = calls(parts);
    let sp = touches(mine);
    if (split && conflicts(sp, sp)) {
      ({ parts, split } = splitCall(c.kernel, base, 1)); // parts that touch each other: run whole
      mine = calls(parts);
      sp = touches(mine);
    }
    if (cur !== null && curSplit && split && c.kernel === 'qs8-vadd' && conflicts(acc, sp)) {
      // an Add whose cut at 16-element blocks misses where its conv's rows were cut: cut it there
      const al = alignedAdd(acc, base, units);
      const alCalls = al && calls(al), alSp = alCalls && touches(alCalls);
      if (alCalls && alSp && !conflicts(acc, alSp) && !conflicts(alSp, alSp)) {
        mine = alCalls;
        sp = alSp;
      }
    }
    // unsplit steps share a phase with unsplit steps only (they run in order as unit 0)
    const joins = cur !== null && (split ? curSplit && !conflicts(acc, sp) : !curSplit);
    if (!joins) flush();
    if (cur === null) {
      cur = Array.from({ length: units }, () => []);
      curSplit = split;
    }
    for (let t = 0; t < units; t++) {
      cur[t]!.push(...(mine[t] ?? []));
      acc[t] ??= { r: [], w: [] };
      acc[t]!.r.push(...(sp[t]?.r ?? []));
      acc[t]!.w.push(...(sp[t]?.w ?? []));
    }
  }
  flush();
  return phases;
}
