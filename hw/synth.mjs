// Synthesises the processing elements of hw/rtl with yosys for a generic target and counts
// their cells: word-level (adders, subtractors, multipliers, shifters, flip-flop bits, after
// proc/flatten/opt/wreduce) and gate-level (yosys `synth`: its internal gate library).
//
//   node hw/synth.mjs [--acc-w 23] [--code-w 5] [--out hw/results]   (writes pe-synth.{json,md})

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const RTL = join(dirname(fileURLToPath(import.meta.url)), 'rtl');
const FILES = ['potw_mac.v', 'qc8w_mac.v', 'requant.v', 'pe_potw.v', 'pe_qc8w.v'].map((f) => join(RTL, f));

/** The designs compared: the per-tap datapath alone, and the whole PE with requantization. */
export const DESIGNS = [
  { top: 'potw_mac', what: 'shift-add MAC (power-of-two weights)', pot: true },
  { top: 'qc8w_mac', what: 'multiply-accumulate (int8 weights)', pot: false },
  { top: 'pe_potw', what: 'shift-add PE + requantization', pot: true },
  { top: 'pe_qc8w', what: 'int8 MAC PE + requantization', pot: false },
];

function parseStat(text) {
  const cells = {};
  let total = 0;
  for (const line of text.split('\n')) {
    const t = line.match(/^\s+Number of cells:\s+(\d+)/);
    if (t) total = Number(t[1]);
    const c = line.match(/^\s+(\$\S+)\s+(\d+)\s*$/);
    if (c) cells[c[1]] = (cells[c[1]] ?? 0) + Number(c[2]);
  }
  return { total, cells };
}

/** Word-level and gate-level statistics of one design. */
export async function synthesize(top, { accW = 23, codeW = 5 } = {}) {
  const params = `chparam -set ACC_W ${accW} ${top}` + (top.includes('potw') ? `; chparam -set CODE_W ${codeW} ${top}` : '');
  const script = [`read_verilog ${FILES.join(' ')}`, params, `hierarchy -top ${top}`, 'proc', 'flatten', 'opt', 'wreduce', 'opt_clean', 'stat -width',
    'tee -q -o /dev/null echo', 'synth -flatten', 'stat'].join('; ');
  const { stdout } = await promisify(execFile)('yosys', ['-p', script], { maxBuffer: 64 << 20 });
  const parts = stdout.split(/Printing statistics\./);
  if (parts.length < 3) throw new Error(`yosys printed no statistics for ${top}`);
  const word = parseStat(parts[1]), gate = parseStat(parts[2]);
  const sumOf = (stat, re) => Object.entries(stat.cells).filter(([k]) => re.test(k)).reduce((s, [, v]) => s + v, 0);
  // word-level cells carry their width as a suffix with `stat -width` ($add_23)
  const widths = (re) => Object.entries(word.cells).filter(([k]) => re.test(k)).map(([k, v]) => `${v}x${k.replace(/^\$\w+?_/, '')}`);
  return {
    top, accW, codeW,
    word: { ...word, adders: sumOf(word, /^\$(add|sub|alu)_/), multipliers: sumOf(word, /^\$(mul|macc)_/), shifters: sumOf(word, /^\$(shl|shr|sshl|sshr|shift|shiftx)_/),
      flipFlopBits: Object.entries(word.cells).filter(([k]) => /^\$(a|s)?dff/.test(k)).reduce((s, [k, v]) => s + v * Number(k.split('_').pop()), 0),
      adderWidths: widths(/^\$(add|sub)_/), multiplierWidths: widths(/^\$mul_/) },
    gate: { ...gate, flipFlops: sumOf(gate, /^\$_.*DFF/), logic: gate.total - sumOf(gate, /^\$_.*DFF/) },
  };
}

async function main() {
  const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d; };
  const accW = Number(arg('--acc-w', '23')), codeW = Number(arg('--code-w', '5')), out = arg('--out', 'hw/results');
  const rows = [];
  for (const d of DESIGNS) rows.push({ ...d, ...(await synthesize(d.top, { accW, codeW })) });
  const { stdout: version } = await promisify(execFile)('yosys', ['-V']);
  const machine = { date: new Date().toISOString(), cpu: cpus()[0]?.model, yosys: version.trim() };
  const command = `node hw/synth.mjs --acc-w ${accW} --code-w ${codeW}`;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'pe-synth.json'), JSON.stringify({ command, machine, rows }, null, 2) + '\n');
  const r = Object.fromEntries(rows.map((x) => [x.top, x]));
  const line = (label, f) => `| ${label} | ${DESIGNS.map((d) => f(r[d.top])).join(' | ')} |`;
  writeFileSync(join(out, 'pe-synth.md'), [
    '# Processing elements synthesised with yosys (generic target)',
    '',
    `Command: \`${command}\`; ${machine.yosys}; ${machine.date}. Accumulator ${accW} bits (the widest \`inspect --hw\` reports for the`,
    `power-of-two layers of the DoubleQExt ResNet-20), ${codeW}-bit weight codes. Word level: after \`proc; flatten; opt; wreduce\`.`,
    'Gate level: `synth -flatten` (yosys\'s internal gate cells, no technology library).',
    '',
    `| | ${DESIGNS.map((d) => `\`${d.top}\` ${d.what}`).join(' | ')} |`,
    `|---|${DESIGNS.map(() => '---').join('|')}|`,
    line('adders / subtractors (word level)', (x) => `${x.word.adders} (${x.word.adderWidths.join(', ') || '-'})`),
    line('multipliers (word level)', (x) => `${x.word.multipliers}${x.word.multiplierWidths.length ? ` (${x.word.multiplierWidths.join(', ')})` : ''}`),
    line('shifters (word level)', (x) => String(x.word.shifters)),
    line('flip-flop bits', (x) => String(x.word.flipFlopBits)),
    line('gate cells, total', (x) => String(x.gate.total)),
    line('gate cells, logic (without flip-flops)', (x) => String(x.gate.logic)),
    line('gate-level flip-flops', (x) => String(x.gate.flipFlops)),
    '',
    `Per-tap datapath: the shift-add MAC needs ${r.potw_mac.gate.logic} logic cells, the int8 MAC ${r.qc8w_mac.gate.logic} ` +
      `(${(r.potw_mac.gate.logic / r.qc8w_mac.gate.logic).toFixed(2)}x). The requantization (one ${accW}x32 multiply per output, not per tap) is the same in both PEs and can be shared by many PEs.`,
    '',
  ].join('\n'));
  console.log(`wrote ${out}/pe-synth.{json,md}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
