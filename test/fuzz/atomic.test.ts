// Class 5: atomic output. The helper leaves the old file on any failure and no partial file;
// `quantize` killed with SIGKILL at many points leaves the old file or the complete new one;
// `--out` naming an input is refused. Child processes are spawned asynchronously (vitest).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeDirAtomic, writeFileAtomic } from '../../src/cli/atomic-write.js';
import { writeNpy } from '../helpers/npy-writer.js';
import { readQModel } from '../../src/format/qmodel.js';
import { requireBuiltCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { mulberry32 } from '../helpers/rng.js';
import { smallNet } from './run.js';

const BIN = join(REPO_ROOT, 'bin', 'doubleq.js');
let tmp = '', onnx = '', calib = '';

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string; err: string; ms: number }

/** Runs the CLI; with killAfterMs, sends SIGKILL that long after the spawn. */
function run(args: string[], killAfterMs?: number): Promise<Run> {
  return new Promise((done) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out, err, ms: performance.now() - t0 });
    });
  });
}

const quantizeArgs = (out: string, limit: number) => ['quantize', onnx, '--calib', calib, '--format', 'npy', '--calib-limit', String(limit), '--out', out, '--json'];

beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-atomic-'));
  onnx = join(tmp, 'small.onnx');
  writeFileSync(onnx, smallNet());
  const rng = mulberry32(3);
  calib = join(tmp, 'calib.npy');
  writeFileSync(calib, writeNpy({ dtype: 'uint8', shape: [8, 3, 8, 8], data: Uint8Array.from({ length: 8 * 192 }, () => Math.floor(rng() * 256)) }));
  writeFileSync(join(tmp, 'calib_labels.npy'), writeNpy({ dtype: 'uint8', shape: [8], data: new Uint8Array(8) }));
});

describe('atomic writes', () => {
  it('a failure before the rename leaves the old file and no temporary file', () => {
    const target = join(tmp, 'keep.bin');
    writeFileAtomic(target, 'old contents');
    expect(() => writeFileAtomic(target, 'new contents', { beforeRename: () => { throw new Error('disk full'); } })).toThrow(/cannot write .*keep\.bin: disk full/);
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    expect(readdirSync(tmp).filter((n) => n.includes('keep.bin'))).toEqual(['keep.bin']);
    writeFileAtomic(target, 'new contents');
    expect(readFileSync(target, 'utf8')).toBe('new contents');
  });

  it('a directory is swapped in whole; a failure keeps the old one', () => {
    const d = join(tmp, 'hw');
    writeDirAtomic(d, { 'a.v': 'module a; endmodule\n', 'sub/b.hex': '00\n' });
    expect(() => writeDirAtomic(d, { 'a.v': 'new' }, { beforeRename: () => { throw new Error('no space left on device'); } })).toThrow(/no space left/);
    expect(readFileSync(join(d, 'a.v'), 'utf8')).toBe('module a; endmodule\n');
    writeDirAtomic(d, { 'c.v': 'c' });
    expect(readdirSync(d)).toEqual(['c.v']);
    expect(readdirSync(tmp).filter((n) => n.includes('hw'))).toEqual(['hw']);
  });

  it('quantize refuses --out naming its input model or calibration file, and leaves them intact', async () => {
    const before = readFileSync(onnx);
    for (const out of [onnx, join(tmp, '.', 'small.onnx'), calib]) {
      const r = await run(quantizeArgs(out, 2));
      expect(r.code, r.err).toBe(2); // a usage error (README: exit codes)
      expect(r.err).toMatch(/--out .* names an input of this command/);
    }
    expect(readFileSync(onnx).equals(before)).toBe(true);
  });

  it('quantize killed with SIGKILL at many points leaves the old file or the complete new one', async () => {
    const target = join(tmp, 'model.dq'), fresh = join(tmp, 'fresh.dq');
    const first = await run(quantizeArgs(target, 2));
    expect(first.code, first.err).toBe(0);
    const old = readFileSync(target);
    const full = await run(quantizeArgs(fresh, 8));
    expect(full.code, full.err).toBe(0);
    const next = readFileSync(fresh);
    expect(next.equals(old)).toBe(false); // distinguishable outcomes
    const rng = mulberry32(99);
    const outcomes = { old: 0, new: 0 };
    for (let k = 0; k < 12; k++) {
      const r = await run(quantizeArgs(target, 8), Math.floor(rng() * full.ms * 1.1));
      const now = readFileSync(target);
      if (now.equals(old)) outcomes.old++;
      else {
        expect(now.equals(next), `kill ${k} (${r.signal ?? r.code}): the target is neither the old nor the new file`).toBe(true);
        readQModel(now);
        outcomes.new++;
        writeFileSync(target, old); // back to the old file for the next kill
      }
    }
    expect(outcomes.old + outcomes.new).toBe(12);
    // the next complete write sweeps temporary files the killed writers left
    expect((await run(quantizeArgs(target, 8))).code).toBe(0);
    expect(readdirSync(tmp).filter((n) => n.startsWith('.model.dq'))).toEqual([]);
    expect(existsSync(target)).toBe(true);
  });
});
