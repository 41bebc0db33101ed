// Simulates conv layers of a `doubleq export-hw --golden N` directory with Icarus Verilog:
// hw/tb/tb_conv_layer.v drives one PE (pe_potw for power-of-two layers, pe_qc8w for int8)
// through every output of the layer and compares each byte with the golden output.
//
//   node hw/sim.mjs <export-dir> [layer-id ...]        (default: every conv layer)

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const HW = dirname(fileURLToPath(import.meta.url));
const RTL = ['potw_mac.v', 'qc8w_mac.v', 'requant.v', 'pe_potw.v', 'pe_qc8w.v'].map((f) => join(HW, 'rtl', f));
const exec = promisify(execFile);

/**
 * Compiles and runs the testbench for one conv layer. `accW` overrides the accumulator width
 * (default: the layer's reported width), `yout` the golden output file (for negative tests).
 * Returns the testbench's counts: outputs, mismatches, overflows, taps.
 */
export async function simulateLayer(dir, id, { accW, yout, images } = {}) {
  const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const l = man.layers.find((x) => x.id === id);
  if (!l || l.op !== 'conv') throw new Error(`${id} is not a conv layer of ${dir}`);
  if (l.group !== 1) throw new Error(`${id}: the testbench handles group 1 only`);
  if (!man.golden) throw new Error(`${dir} has no golden vectors (export-hw --golden N)`);
  const g = man.golden.layers.find((x) => x.id === id);
  const file = (t) => join(dir, g.tensors.find((x) => x.role === t).files.mem);
  const pot = l.weights.format === 'pot';
  const [h, w, c] = l.inputShapes[0], [oh, ow, m] = l.outputShape;
  const P = { NIMG: images ?? man.golden.images, H: h, W: w, C: c, M: m, KH: l.kernel[0], KW: l.kernel[1], SH: l.strides[0], SW: l.strides[1],
    PT: l.pads.top, PL: l.pads.left, DH: l.dilations[0], DW: l.dilations[1], OH: oh, OW: ow,
    ZX: l.zeroPoints.inputs[0], ZY: l.zeroPoints.output, QMIN: l.qmin, QMAX: l.qmax, ACC_W: accW ?? l.accumulator.bits, CODE_W: l.weights.wordBits };
  const tmp = mkdtempSync(join(tmpdir(), 'dq-sim-'));
  try {
    const bin = join(tmp, 'tb');
    await exec('iverilog', ['-g2005', ...(pot ? ['-DPOTW'] : []), '-o', bin, ...Object.entries(P).map(([k, v]) => `-Ptb_conv_layer.${k}=${v}`), join(HW, 'tb', 'tb_conv_layer.v'), ...RTL]);
    const plus = { weights: l.weights.files.mem, bias: l.bias.files.mem, mult: l.mult.files.mem, shift: l.shift.files.mem };
    const { stdout } = await exec('vvp', ['-n', bin, ...Object.entries(plus).map(([k, f]) => `+${k}=${join(dir, f)}`), `+xin=${file('in0')}`, `+yout=${yout ?? file('out')}`],
      { maxBuffer: 64 << 20, timeout: 1_800_000 });
    const r = /RESULT outputs=(\d+) mismatches=(\d+) overflows=(\d+) taps=(\d+) acc_w=(\d+)/.exec(stdout);
    if (!r) throw new Error(`testbench printed no result:\n${stdout}`);
    return { id, name: l.name, pe: pot ? 'pe_potw' : 'pe_qc8w', outputs: +r[1], mismatches: +r[2], overflows: +r[3], taps: +r[4], accW: +r[5],
      expectedOutputs: P.NIMG * oh * ow * m, pass: / PASS|^PASS/m.test(stdout), log: stdout };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const [dir, ...ids] = process.argv.slice(2);
  if (!dir) throw new Error('usage: node hw/sim.mjs <export-dir> [layer-id ...]');
  const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const todo = ids.length ? ids : man.layers.filter((l) => l.op === 'conv').map((l) => l.id);
  let failed = 0;
  for (const id of todo) {
    const t0 = performance.now();
    const r = await simulateLayer(dir, id);
    const ok = r.pass && r.outputs === r.expectedOutputs;
    if (!ok) failed++;
    console.log(`${ok ? 'PASS' : 'FAIL'} ${r.id} (${r.pe}, acc ${r.accW} bits): ${r.outputs} outputs, ${r.mismatches} mismatches, ${r.overflows} overflows, ${r.taps} taps, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`${todo.length - failed} passed, ${failed} failed`);
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
