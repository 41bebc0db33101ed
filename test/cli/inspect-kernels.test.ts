// `doubleq inspect` on a .dq names the wasm kernel of every layer (text column and --json
// `kernel`), as the executor plans it: depthwise convs on qs8-qc8w-dwconv, on the shared
// MobileNetV2-style net, 8-bit and all power-of-two.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/api/model.js';
import { KERNELS } from '../../src/engine/kernel-specs.js';
import { kernelsOf } from '../../src/plan/kernel-of.js';
import { cli, requireBuiltCli } from '../helpers/cli.js';
import { SHARED } from '../helpers/onnx-builder.js';

const MBV2 = resolve(SHARED, 'models/mbv2tiny-cifar10.onnx');
const CALIB = resolve(SHARED, 'data/cifar10/calib.bin');
const NORM = ['--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'];
let tmp = '';

beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'doubleq-ik-'));
});

interface Layer { name: string; op: string; kernel?: string | null }

describe('doubleq inspect: the kernel of each layer', () => {
  for (const pot of [[], ['--pot', 'all', '--method', 'rule']]) {
    it(pot.length ? 'all power-of-two' : '8-bit', async () => {
      const out = join(tmp, `m${pot.length}.dq`);
      const q = await cli('quantize', MBV2, '--calib', CALIB, '--format', 'cifar10', '--calib-limit', '20', ...NORM, '--out', out, ...pot);
      expect(q.code, q.err).toBe(0);
      const r = await cli('inspect', out, '--json');
      expect(r.code, r.err).toBe(0);
      const layers: Layer[] = JSON.parse(r.out).layers;
      // the planner's own choice, node by node (an oracle independent of the CLI's formatting)
      const model = loadModel(new Uint8Array(readFileSync(out)));
      if (model.kind !== 'quantized') throw new Error('not a .dq');
      const planned = kernelsOf(model.q);
      for (const l of layers) {
        expect(l.kernel, l.name).toBe(planned.get(l.name) ?? null);
        if (l.kernel) expect(Object.keys(KERNELS)).toContain(l.kernel);
      }
      const dw = layers.filter((l) => l.kernel === 'qs8-qc8w-dwconv');
      expect(dw).toHaveLength(7); // shared/models/README.md: 7 depthwise convs
      expect(layers.filter((l) => l.op === 'conv' && l.kernel === 'qs8-qc8w-conv2d')).toHaveLength(23 - 7);
      const text = (await cli('inspect', out)).out;
      expect(text).toMatch(/^layer .* kernel$/m);
      for (const l of dw) expect(text).toMatch(new RegExp(`^${l.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .* qs8-qc8w-dwconv$`, 'm'));
    });
  }
});
