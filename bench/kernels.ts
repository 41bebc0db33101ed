// Runs the three kernel benchmarks (f32 conv, int8 conv, shift-add PoT conv on the ResNet-20
// layer shapes) one after another and records their output in bench/results/kernels.md.
//
//   npm run bench:kernels

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { machineStamp } from './machine.js';

const benches = ['f32-conv2d', 'qs8-conv2d', 'qs8-potw-conv2d'];
const parts: string[] = [];
for (const b of benches) {
  const file = `dist/bench/kernels/${b}.bench.js`;
  const load = loadavg().map((x) => x.toFixed(2)).join(' / ');
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  process.stdout.write(out);
  parts.push(`## ${b}`, '', `\`node ${file}\` (load average at start ${load})`, '', '```', out.trimEnd(), '```', '');
}
const m = machineStamp();
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/kernels.md', [
  '# Kernel throughput on the ResNet-20 layer shapes',
  '',
  `Command: \`npm run bench:kernels\`. Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node} (V8 ${m.v8}); date ${m.date}. One thread; the machine is shared, so figures carry noise: compare within one benchmark (same run).`,
  '',
  ...parts,
].join('\n'));
