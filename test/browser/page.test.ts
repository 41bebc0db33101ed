// The browser page (web/) in headless Chromium: loads the default model, moves the slider, runs
// inference (sample digits and a drawn one), and checks against Node: the same .dq bytes, the same
// output bytes on SIMD and scalar wasm, the memory figures of `doubleq inspect --json`.
// Needs Debian's chromium at /usr/bin/chromium (.ci/run installs it). Run alone: npm run test:browser

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dq from '../../src/index.js';
import { buildWeb, serve } from '../../web/build.mjs';
import { REPO_ROOT } from '../helpers/onnx-builder.js';
import { spawnAsync } from '../helpers/spawn.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENSHOT = join(REPO_ROOT, 'build', 'test-artifacts', 'browser-page.png');
const BUDGET = 30;
const N = 64; // test digits compared byte for byte

let server: Server, ctx: BrowserContext, page: Page;
const errors: string[] = [];

type PageState = { loaded?: { layers: unknown[] }; prepared?: unknown; selected?: { budget: number; potLayers: string[] }; inferred?: { selected: number[] }; error?: string };
const pageState = () => page.evaluate(() => (window as unknown as { doubleq: { state: PageState } }).doubleq.state);
const idle = (pred: string) => page.waitForFunction(`window.doubleq && document.body.dataset.busy === 'false' && (${pred})`, null, { timeout: 180_000 });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the browser test drives Debian's chromium)`);
  await buildWeb();
  server = await serve(0);
  ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'dq-chromium-')), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 1100 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}, 300_000);

afterAll(async () => {
  await ctx?.close();
  server?.close();
});

describe('browser page', () => {
  it('preloads the default model: its layers, calibration, a default selection, predictions', async () => {
    await idle('window.doubleq.state.inferred || window.doubleq.state.error');
    const s = await pageState();
    expect(s.error).toBeUndefined();
    expect(s.loaded!.layers).toHaveLength(5);
    expect(await page.locator('#layers tr').count()).toBe(6);
    expect(await page.textContent('#model-name')).toMatch(/mnist-resnet\.onnx: 42,959 bytes/);
    expect(s.selected!.budget).toBe(23.05);
    expect(await page.locator('#samples figure').count()).toBe(12);
    expect(await page.textContent('#timing')).toMatch(/time per image: float [\d.]+ ms, 8-bit [\d.]+ ms, selected [\d.]+ ms/);
    expect(await page.locator('#frontier svg').count()).toBe(1);
  });

  it('the slider runs DoubleQExt in the page and shows which layers go power of two', async () => {
    await page.locator('#budget').fill(String(BUDGET));
    await page.locator('#budget').dispatchEvent('change');
    await idle(`window.doubleq.state.selected?.budget === ${BUDGET} && window.doubleq.state.inferred`);
    const s = await pageState();
    expect(s.selected!.potLayers.length).toBeGreaterThan(0);
    expect(await page.textContent('#pot-layers')).toBe(s.selected!.potLayers.join(', '));
    expect(await page.locator('#memory tr.pot').count()).toBe(s.selected!.potLayers.length);
    expect(Number((await page.textContent('#saving'))!.replace(' %', ''))).toBeGreaterThanOrEqual(BUDGET);
  });

  it('classifies a digit drawn on the pad', async () => {
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 12 }); // a "1"
    await page.mouse.up();
    await page.click('#classify');
    await page.waitForSelector('#mine figcaption', { timeout: 60_000 });
    expect(await page.getAttribute('#mine figcaption', 'data-pred')).toMatch(/^\d$/);
    mkdirSync(join(REPO_ROOT, 'build', 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('the same model and output bytes as Node, on both the SIMD and the scalar build', async () => {
    const t = await page.evaluate((n) => (window as unknown as { doubleq: { selftest(n: number): Promise<{ simd: boolean; threads: number; isolated: boolean; simdBytes?: number[]; scalarBytes: number[]; dq: number[]; budget: number }> } }).doubleq.selftest(n), N);
    expect(t.budget).toBe(BUDGET);
    expect(t.isolated).toBe(true); // web/build.mjs sends COOP / COEP: the page may share wasm memory
    expect(t.threads).toBe(Math.min(64, availableParallelism())); // Web Workers, one per core
    expect(t.simd).toBe(true); // Chromium has wasm SIMD
    const bytes = new Uint8Array(t.dq);
    // Node, from scratch: the same calibration and selection give the same file
    const digits = dq.parseDigits(readFileSync(join(REPO_ROOT, 'models/mnist-digits.bin')));
    const model = dq.loadModel(readFileSync(join(REPO_ROOT, 'models/mnist-resnet.onnx'))) as dq.FloatNet;
    const cal = await dq.calibrate(model, digits.train.batches(100));
    const node = await dq.quantize(cal, { budget: BUDGET });
    expect(Buffer.from(dq.saveModel(node)).equals(Buffer.from(bytes))).toBe(true);
    const out = Buffer.from((await dq.run(dq.loadModel(bytes), digits.test.images.subarray(0, N * 784))).buffer);
    expect(out.length).toBe(N * 10 * 4);
    expect(Buffer.from(t.scalarBytes).equals(out)).toBe(true);
    expect(Buffer.from(t.simdBytes!).equals(out)).toBe(true);
  });

  it('the memory figures shown equal `doubleq inspect --json` of that model', async () => {
    const t = await page.evaluate(() => (window as unknown as { doubleq: { selftest(n: number): Promise<{ dq: number[] }> } }).doubleq.selftest(1));
    const file = join(mkdtempSync(join(tmpdir(), 'dq-web-')), 'page.dq');
    writeFileSync(file, new Uint8Array(t.dq));
    const r = await spawnAsync(process.execPath, [join(REPO_ROOT, 'bin/doubleq.js'), 'inspect', file, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const shown = async (layer: string, k: string) => (await page.textContent(`#memory td[data-layer="${layer}"][data-k="${k}"]`))!.trim();
    const num = async (layer: string, k: string) => Number((await shown(layer, k)).replace(/,/g, ''));
    const weighted = j.layers.filter((l: { weightBits: number }) => l.weightBits > 0);
    expect(weighted).toHaveLength(5);
    for (const l of weighted) {
      expect(await shown(l.name, 'format')).toBe(l.format);
      expect(await num(l.name, 'kernelBits')).toBe(l.weightBits);
    }
    expect(await num('total', 'kernelBits')).toBe(j.totals.kernelWeightBits.actual);
    expect(await num('total', 'fileBytes')).toBe(j.totals.fileBytes);
    expect(await num('total', 'arenaBytes')).toBe(j.totals.arenaBytes);
    expect(await shown('total', 'savingVsInt8Pct')).toBe(`${j.totals.savingVsInt8Pct.toFixed(2)} % saved`);
    // resident bytes: the library's figure in Node for the same file
    const mem = await dq.inspect(dq.loadModel(new Uint8Array(t.dq)));
    expect(await num('total', 'residentBytes')).toBe(mem.totals.residentBytes);
    for (const l of mem.layers) expect(await num(l.name, 'fileBytes')).toBe(l.fileBytes);
    expect(errors).toEqual([]);
  });
});
