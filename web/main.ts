// The page: renders what the worker computes. No computation here beyond drawing; the model,
// calibration, DoubleQExt and inference all run in worker.ts (wasm, off the main thread).

import type { MemoryTable } from '../src/api/index.js';
import { frontierSvg } from '../src/cli/plot-frontier.js';
import type { Inferred, Loaded, Prepared, Request, Response, Selected, SelfTest } from './protocol.js';
import { digitCanvas, drawPad, imageToDigit } from './pixels.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (n: number) => n.toLocaleString('en-US');
const DEFAULT_BUDGET = 23.05;

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 0;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
worker.onmessage = (e: MessageEvent<Response>) => {
  const m = e.data;
  if ('progress' in m) {
    const p = m.progress;
    ($('progress') as HTMLProgressElement).value = Number.isFinite(p.total) && p.total > 0 ? p.done / p.total : 0;
    $('stage').textContent = `${p.stage} ${p.done}${Number.isFinite(p.total) ? `/${p.total}` : ''}`;
    return;
  }
  const p = pending.get(m.id)!;
  pending.delete(m.id);
  if (m.error !== undefined) p.reject(new Error(m.error));
  else p.resolve(m.result);
};

function call<T>(r: Request, transfer: Transferable[] = []): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    worker.postMessage({ ...r, id }, transfer);
  });
}

const state: { loaded?: Loaded; prepared?: Prepared; selected?: Selected; inferred?: Inferred; busy: number; error?: string } = { busy: 0 };
(window as unknown as { doubleq: unknown }).doubleq = { state, selftest: (count: number) => call<SelfTest>({ type: 'selftest', count }) };

async function busy<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
  state.busy++;
  document.body.dataset.busy = 'true';
  $('status').textContent = what;
  try {
    return await f();
  } catch (e) {
    state.error = (e as Error).message;
    $('status').textContent = `error: ${state.error}`;
    return undefined;
  } finally {
    if (--state.busy === 0) {
      document.body.dataset.busy = 'false';
      if (!state.error) $('status').textContent = 'ready';
      $('stage').textContent = '';
    }
  }
}

function renderLayers(l: Loaded): void {
  $('model-name').textContent = `${l.name}: ${fmt(l.fileBytes)} bytes, input ${l.inputShape.join('x')}, ${l.classes} outputs`;
  $('layers').innerHTML = '<tr><th>layer</th><th>op</th><th>weights</th></tr>' +
    l.layers.map((r) => `<tr><td>${r.name}</td><td>${r.op}</td><td class="n">${fmt(r.weights)}</td></tr>`).join('');
}

function renderMemory(m: MemoryTable, pot: readonly string[] = []): void {
  const cell = (layer: string, k: string, v: number | string | null) => `<td class="n" data-layer="${layer}" data-k="${k}">${v === null ? '' : typeof v === 'number' ? fmt(v) : v}</td>`;
  $('memory').innerHTML = '<tr><th>layer</th><th>format</th><th>kernel bits</th><th>file bytes</th><th>resident bytes</th></tr>' +
    m.layers.map((l) => `<tr class="${pot.includes(l.name) ? 'pot' : ''}"><td>${l.name}</td>${cell(l.name, 'format', l.format)}${cell(l.name, 'kernelBits', l.kernelBits)}` +
      `${cell(l.name, 'fileBytes', l.fileBytes)}${cell(l.name, 'residentBytes', l.residentBytes)}</tr>`).join('') +
    `<tr class="total"><td>whole model</td>${cell('total', 'savingVsInt8Pct', `${m.totals.savingVsInt8Pct.toFixed(2)} % saved`)}${cell('total', 'kernelBits', m.totals.kernelBits.actual)}` +
    `${cell('total', 'fileBytes', m.totals.fileBytes)}${cell('total', 'residentBytes', m.totals.residentBytes)}</tr>` +
    (m.totals.arenaBytes !== null ? `<tr><td colspan="4">activation arena at batch 1 (in resident)</td>${cell('total', 'arenaBytes', m.totals.arenaBytes)}</tr>` : '');
}

async function renderFrontier(): Promise<void> {
  const p = state.prepared, s = state.selected;
  if (!p) return;
  const points = p.frontier.map((x) => ({ series: 'DoubleQExt (sensitivity, knapsack)', savingPct: x.savingPct, top1: x.top1 }));
  const markers = s ? [{ label: `current ${s.savingVsInt8Pct.toFixed(1)} %`, savingPct: s.savingVsInt8Pct, top1: s.accuracy.top1 }] : [];
  $('frontier').innerHTML = await frontierSvg(points, markers, 'Memory-accuracy frontier', `${p.int8.total} test digits, measured in this page`, p.int8.top1);
}

function renderSelected(s: Selected): void {
  const p = state.prepared!;
  $('budget-value').textContent = `${s.budget.toFixed(2)} %`;
  $('selection').innerHTML = `power-of-two layers: <b id="pot-layers">${s.potLayers.join(', ') || 'none'}</b>; ` +
    `<b id="saving">${s.savingVsInt8Pct.toFixed(2)} %</b> of the 8-bit kernel weights saved; top-1 <b id="top1">${s.accuracy.top1.toFixed(2)} %</b> ` +
    `(8-bit ${p.int8.top1.toFixed(2)} %, float ${p.float.top1.toFixed(2)} %; ${s.accuracy.total} test digits), selected and evaluated in ${s.seconds.toFixed(2)} s`;
  renderMemory(s.memory, s.potLayers);
}

async function classify(images: Float32Array, into: HTMLElement, timing: HTMLElement, labels?: number[]): Promise<void> {
  const r = await call<Inferred>({ type: 'infer', images });
  state.inferred = r;
  const n = images.length / 784;
  into.innerHTML = '';
  for (let i = 0; i < n; i++) {
    const fig = document.createElement('figure');
    fig.appendChild(digitCanvas(images.subarray(i * 784, (i + 1) * 784)));
    const ok = labels ? (r.selected[i] === labels[i] ? 'ok' : 'wrong') : '';
    fig.insertAdjacentHTML('beforeend', `<figcaption class="${ok}" data-pred="${r.selected[i]}">${r.selected[i]}<small>${labels ? ` (label ${labels[i]})` : ''}<br>f ${r.float[i]} · 8b ${r.int8[i]}</small></figcaption>`);
    into.appendChild(fig);
  }
  timing.textContent = `time per image: float ${r.msPerImage.float.toFixed(3)} ms, 8-bit ${r.msPerImage.int8.toFixed(3)} ms, selected ${r.msPerImage.selected.toFixed(3)} ms (batch of ${n}, wasm in the worker, ${state.loaded?.threads.note ?? '1 thread'}; mean of repeated runs)`;
}

async function selectBudget(b: number): Promise<void> {
  const s = await busy(`DoubleQExt at ${b} %`, () => call<Selected>({ type: 'select', budget: b }));
  if (!s) return;
  state.selected = s;
  renderSelected(s);
  await renderFrontier();
  const l = state.loaded!;
  if (l.samples) await busy('inference', () => classify(l.samples!.images, $('samples'), $('timing'), l.samples!.labels));
}

async function start(bytes?: ArrayBuffer, name?: string): Promise<void> {
  state.error = undefined;
  state.prepared = state.selected = undefined;
  $('frontier').innerHTML = $('samples').innerHTML = $('selection').innerHTML = '';
  const l = await busy(`loading ${name ?? 'the default model'}`, () => call<Loaded>({ type: 'load', bytes, name }, bytes ? [bytes] : []));
  if (!l) return;
  state.loaded = l;
  renderLayers(l);
  renderMemory(l.memory);
  if (l.noData) {
    $('selection').textContent = `${l.noData}: layers and float memory only.`;
    return;
  }
  const p = await busy('calibrating, quantizing, measuring the frontier', () => call<Prepared>({ type: 'prepare' }));
  if (!p) return;
  state.prepared = p;
  const slider = $<HTMLInputElement>('budget');
  slider.max = p.maxSavingPct.toFixed(2);
  slider.disabled = false;
  $('prepared').textContent = `calibrated on ${p.calibImages} digits; float ${p.float.top1.toFixed(2)} %, 8-bit ${p.int8.top1.toFixed(2)} % top-1; frontier of ${p.frontier.length} selections measured, ${p.seconds.toFixed(1)} s`;
  slider.value = String(Math.min(DEFAULT_BUDGET, p.maxSavingPct));
  await selectBudget(Number(slider.value));
}

const slider = $<HTMLInputElement>('budget');
slider.addEventListener('input', () => ($('budget-value').textContent = `${Number(slider.value).toFixed(2)} %`));
slider.addEventListener('change', () => void selectBudget(Number(slider.value)));

const drop = $('drop');
drop.addEventListener('dragover', (e) => e.preventDefault());
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  void handleFiles(e.dataTransfer?.files);
});
$<HTMLInputElement>('file').addEventListener('change', (e) => void handleFiles((e.target as HTMLInputElement).files));

async function handleFiles(files: FileList | null | undefined): Promise<void> {
  const f = files?.[0];
  if (!f) return;
  if (/\.onnx$/i.test(f.name)) return start(await f.arrayBuffer(), f.name);
  if (!state.selected) return;
  const digit = await imageToDigit(f);
  await busy('inference', () => classify(digit, $('mine'), $('mine-timing')));
}

const pad = drawPad($<HTMLCanvasElement>('pad'));
$('classify').addEventListener('click', () => {
  if (state.selected) void busy('inference', () => classify(pad.digit(), $('mine'), $('mine-timing')));
});
$('clear').addEventListener('click', () => pad.clear());

void start();
