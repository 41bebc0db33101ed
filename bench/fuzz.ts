// The big seeded fuzz run of issue 9: 100,000+ cases of each kind (ONNX models decoded, edited and
// re-encoded; .dq files with checksums recomputed) through the whole chain
// (test/fuzz/chain.ts). Writes bench/results/fuzz-<kind>-<from>.json and regenerates
// bench/results/fuzz.md from every part present. --from F runs cases [F, F + N) of the same
// seeded stream, so one run can be split over processes.
// Run: npm run build && nice -n 10 npm run bench:fuzz -- --kind onnx --cases 50000 --from 0   (--seed S)

import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fuzz, type Tally } from '../test/fuzz/run.js';

interface Result {
  command: string; from: number; complete: boolean; date: string; commit: string; machine: string; node: string;
  seconds: number; casesPerSecond: number; peakRssMiB: number; tally: Tally;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const RESULTS = join('bench', 'results'); // run from the repository root, as npm run does

function total(kind: string, rs: Result[]): Result | undefined {
  const parts = rs.filter((r) => r.tally.kind === kind);
  if (parts.length < 2) return undefined;
  const t = { ...parts[0]!.tally, stages: {} as Record<string, number>, failures: [] };
  for (const k of ['cases', 'ok', 'skipped', 'rejected', 'internal', 'unreadable', 'mismatch', 'hangs'] as const) t[k] = parts.reduce((s, p) => s + p.tally[k], 0);
  t.slowestMs = Math.max(...parts.map((p) => p.tally.slowestMs));
  t.slowestWallMs = Math.max(...parts.map((p) => p.tally.slowestWallMs));
  for (const p of parts) for (const [s, n] of Object.entries(p.tally.stages)) t.stages[s] = (t.stages[s] ?? 0) + n;
  return { ...parts[0]!, complete: parts.every((p) => p.complete), seconds: Math.max(...parts.map((p) => p.seconds)), peakRssMiB: Math.max(...parts.map((p) => p.peakRssMiB)), tally: t, command: 'all parts' };
}

function markdown(parts: Result[]): string {
  const totals = ['onnx', 'dq'].map((k) => total(k, parts)).filter((r): r is Result => r !== undefined);
  const rs = [...parts, ...totals];
  const rows = rs.map((r) => {
    const t = r.tally;
    return `| ${t.kind}${r.command === 'all parts' ? ' **total**' : ` [${r.from}, ${r.from + t.cases})${r.complete ? '' : ' (stopped early)'}`} | ${t.cases.toLocaleString('en-US')} | ${t.ok} | ${t.skipped} | ${t.rejected} | **${t.internal}** | **${t.unreadable}** | **${t.mismatch}** | **${t.hangs}** | ${(t.slowestMs / 1000).toFixed(2)} / ${(t.slowestWallMs / 1000).toFixed(2)} | **${r.peakRssMiB.toFixed(0)}** | ${r.seconds.toFixed(0)} |`;
  });
  const stages = (totals.length ? totals : rs).map((r) => `- ${r.tally.kind}: rejected at ${Object.entries(r.tally.stages).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  const runs = parts.map((r) => `- ${r.tally.kind}: \`${r.command}\` at ${r.commit}, ${r.date}, ${r.machine}, Node ${r.node}`);
  return `# Fuzz tally (issue 9)

Seeded mutations through the whole chain (test/fuzz/chain.ts): ONNX models decoded, edited and
re-encoded (attributes, dims, dtypes, wiring, op types, inserted hostile nodes) go through import,
the passes and the validator, a float run, quantize, write, read back and an integer run; .dq files
(two seed models, int8 and all-PoT; checksums recomputed) go through read, the integer run on wasm
and on the TS reference (which must agree byte for byte), write and read back.
Acceptance: 0 internal errors, 0 unreadable written files, 0 hangs over 5 s, peak memory under 1 GiB.
A hang is counted on the CPU time the case took (user + system of the fuzzing process): on this
shared machine wall time per case grows with everybody else's load; both are reported.
"skipped": well-formed models larger than the run budget (4e6 multiply-accumulates): imported
and validated only. The machine was shared with other jobs (load average above 10), so seconds
are not a speed measurement.

| kind | cases | ok | skipped | rejected (user error) | internal | written, unreadable | wasm != reference | over 5 s CPU | slowest s CPU / wall | peak RSS MiB | seconds |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${stages.join('\n')}

Runs:
${runs.join('\n')}
`;
}

async function main(): Promise<void> {
  const kind = arg('kind', 'onnx') as 'onnx' | 'dq';
  if (kind !== 'onnx' && kind !== 'dq') throw new Error('--kind must be onnx or dq');
  const cases = Number(arg('cases', '100000')), seed = Number(arg('seed', '1')), from = Number(arg('from', '0'));
  let commit = 'unknown';
  try { commit = execSync('git rev-parse --short HEAD').toString().trim(); } catch { /* not a checkout */ }
  const t0 = performance.now();
  const command = `nice -n 19 npm run bench:fuzz -- --kind ${kind} --cases ${cases} --seed ${seed} --from ${from}`;
  const save = (tally: Tally, done: boolean): Result => {
    const seconds = (performance.now() - t0) / 1000;
    const r: Result = {
      command, from, complete: done, date: new Date().toISOString(), commit, machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      node: process.version, seconds, casesPerSecond: tally.cases / seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, tally,
    };
    writeFileSync(join(RESULTS, `fuzz-${kind}-${from}.json`), JSON.stringify(r, null, 2) + '\n');
    const all = readdirSync(RESULTS).filter((f) => /^fuzz-(onnx|dq)-\d+\.json$/.test(f)).sort().map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as Result);
    writeFileSync(join(RESULTS, 'fuzz.md'), markdown(all));
    return r;
  };
  // the tally is saved every 1000 cases, so a run stopped early still leaves its counts
  const tally = await fuzz({
    kind, cases, seed, from,
    onProgress: (done, t) => {
      if (done % 1000 === 0) save(t, false);
      if (done % 5000 === 0) process.stderr.write(`${kind} from ${from}: ${done}/${cases}: internal ${t.internal}, unreadable ${t.unreadable}, mismatch ${t.mismatch}, hangs ${t.hangs}, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    },
  });
  const r = save(tally, true);
  process.stdout.write(markdown([r]));
  const bad = tally.internal + tally.unreadable + tally.mismatch + tally.hangs;
  if (bad > 0 || r.peakRssMiB >= 1024) process.exitCode = 1;
}

await main();
