// doubleq export-hw <model.dq> --out <dir> [--format mem,coe,mif,c] [--golden N --data <file> ...]:
// weight memories, requantization constants, golden vectors and manifest.json for hardware
// (layout: src/hw/weight-memory.ts, files: src/hw/export-hw.ts). The directory appears whole or
// not at all: files go to a temporary directory beside it, are fsynced, and it is renamed.

import type { Command } from 'commander';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DATASET_FORMATS, openDataset, parseDatasetFormat, type DatasetFormat } from '../../data/node-files.js';
import { isQModel, readQModel } from '../../format/qmodel.js';
import type { QGraph } from '../../ir/qgraph.js';
import { exportHw } from '../../hw/export-hw.js';
import { goldenTensors } from '../../hw/golden.js';
import { formatHwReport, hwReport } from '../../hw/hw-report.js';
import { HW_FORMATS, type HwFormat } from '../../hw/text-formats.js';
import { InputError, parseIntFlag, readFileBytes, UsageError } from '../io.js';
import { normalizationFlags } from './eval.js';

export interface ExportHwFlags {
  out: string;
  format?: string;
  golden?: string;
  data?: string;
  labels?: string;
  mean?: string;
  std?: string;
  force?: boolean;
  json?: boolean;
}

export interface ExportHwReport {
  model: string;
  out: string;
  formats: HwFormat[];
  layers: number;
  files: number;
  bytes: number;
  goldenImages: number;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `--format` lists output formats and, with --golden, the data format of --data (as for eval). */
export function parseFormats(list: string | undefined, golden: boolean): { formats: HwFormat[]; data?: DatasetFormat } {
  if (list === undefined) {
    if (golden) throw new UsageError(`--golden needs the data format in --format (${DATASET_FORMATS.join(' | ')}), e.g. --format cifar10 or --format mem,cifar10`);
    return { formats: [...HW_FORMATS] };
  }
  const items = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const formats: HwFormat[] = [];
  let data: DatasetFormat | undefined;
  for (const s of items) {
    if ((HW_FORMATS as readonly string[]).includes(s)) { if (!formats.includes(s as HwFormat)) formats.push(s as HwFormat); }
    else if ((DATASET_FORMATS as readonly string[]).includes(s)) {
      if (!golden) throw new UsageError(`--format ${s} is a data format: it goes with --golden N --data <file>`);
      if (data && data !== s) throw new UsageError(`--format names two data formats (${data}, ${s})`);
      data = parseDatasetFormat(s);
    } else throw new UsageError(`unknown --format '${s}' (output formats: ${HW_FORMATS.join(', ')}; data formats with --golden: ${DATASET_FORMATS.join(', ')})`);
  }
  if (golden && !data) throw new UsageError(`--golden needs the data format in --format (${DATASET_FORMATS.join(' | ')})`);
  return { formats: formats.length ? formats : [...HW_FORMATS], data };
}

export function loadQModelFile(path: string): { q: QGraph; bytes: Uint8Array } {
  const bytes = readFileBytes(path, 'model file');
  if (!isQModel(bytes)) throw new InputError(`${path} is not a doubleq .dq model (no DBLQ magic; make one with doubleq quantize)`);
  return { q: readQModel(bytes), bytes };
}

/** `inspect --hw`: the hardware cost report of a .dq model, as text or one JSON line. */
export function inspectHw(path: string, json: boolean): string {
  const r = hwReport(loadQModelFile(path).q, path);
  return json ? JSON.stringify(r) : formatHwReport(r);
}

/** Writes the files into a fresh sibling directory, fsyncs, then renames it to `out`. */
export function writeDirAtomic(out: string, files: readonly { path: string; text: string }[], force: boolean): number {
  const target = resolve(out), parent = dirname(target);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new InputError(`cannot write ${out}: ${parent} is not a directory`);
  if (existsSync(target) && !force) throw new InputError(`${out} already exists (use --force to replace it)`);
  if (existsSync(target) && !statSync(target).isDirectory()) throw new InputError(`${out} exists and is not a directory`);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${tag}`);
  const enc = new TextEncoder();
  let bytes = 0;
  try {
    mkdirSync(tmp);
    const dirs = new Set<string>([tmp]);
    for (const f of files) {
      if (f.path.split('/').some((p) => p === '..' || p === '')) throw new Error(`bad relative path ${f.path}`);
      const p = join(tmp, f.path);
      if (!dirs.has(dirname(p))) { mkdirSync(dirname(p), { recursive: true }); dirs.add(dirname(p)); }
      const data = enc.encode(f.text);
      const fd = openSync(p, 'wx');
      try {
        for (let o = 0; o < data.length;) o += writeSync(fd, data, o);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      bytes += data.length;
    }
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) syncDir(d);
    let old: string | undefined;
    if (existsSync(target)) renameSync(target, (old = join(parent, `.${basename(target)}.old-${tag}`)));
    renameSync(tmp, target);
    syncDir(parent);
    if (old) rmSync(old, { recursive: true, force: true });
    return bytes;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof UsageError || e instanceof InputError) throw e;
    throw new InputError(`cannot write ${out}: ${(e as Error).message}`);
  }
}

function syncDir(d: string): void {
  const fd = openSync(d, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function exportHwCommand(model: string, o: ExportHwFlags): Promise<ExportHwReport> {
  const golden = o.golden === undefined ? 0 : parseIntFlag(o.golden, '--golden');
  const { formats, data } = parseFormats(o.format, golden > 0);
  if (golden > 0 && !o.data) throw new UsageError('--golden needs --data <file>');
  if (!golden && (o.data || o.mean || o.std || o.labels)) throw new UsageError('--data, --labels, --mean and --std go with --golden N');
  const { q, bytes } = loadQModelFile(model);
  let g: Parameters<typeof exportHw>[1]['golden'];
  if (golden > 0) {
    const norm = normalizationFlags(q.input.shape, o, data!);
    const ds = await openDataset(o.data!, data!, { norm, labels: o.labels });
    let batch;
    for await (const b of ds.batches(golden, { limit: golden })) { batch = b; break; }
    if (!batch || batch.count < golden) throw new InputError(`--golden ${golden}: ${o.data} has only ${batch?.count ?? 0} images`);
    const per = q.input.shape.reduce((p, d) => p * d, 1);
    if (batch.images.length !== golden * per) throw new InputError(`${o.data}: images of ${batch.images.length / golden} values do not fit the model input [${q.input.shape.join(',')}]`);
    g = { tensors: goldenTensors(q, batch.images, golden), source: { data: o.data, format: data, images: golden, ...(norm ? { mean: norm.mean, std: norm.std } : {}) } };
  }
  const ex = exportHw(q, { formats, sha256, model: { file: basename(model), sha256: sha256(bytes) }, golden: g });
  const all = [...ex.files, { path: 'manifest.json', text: JSON.stringify(ex.manifest, null, 1) + '\n' }];
  const written = writeDirAtomic(o.out, all, !!o.force);
  return { model, out: o.out, formats, layers: q.nodes.length, files: all.length, bytes: written, goldenImages: golden };
}

export function registerExportHw(program: Command): void {
  program
    .command('export-hw')
    .description('weight memories ($readmemh, .coe, .mif, C header), requantization constants, golden vectors and manifest.json for hardware')
    .argument('<model>', 'quantized model (.dq)')
    .requiredOption('--out <dir>', 'output directory (written atomically)')
    .option('--format <list>', `output formats, comma-separated: ${HW_FORMATS.join(',')} (default all); with --golden also the data format (${DATASET_FORMATS.join(' | ')})`)
    .option('--golden <n>', 'also write every layer\'s integer input and output tensors for the first n images of --data')
    .option('--data <file>', 'data file for --golden, as for eval')
    .option('--labels <file>', 'npy: labels .npy, as for eval')
    .option('--mean <a,b,c>', 'per-channel mean, as for eval')
    .option('--std <a,b,c>', 'per-channel std, as for eval')
    .option('--force', 'replace an existing output directory')
    .option('--json', 'print one JSON object on stdout')
    .action(async (model: string, o: ExportHwFlags) => {
      const r = await exportHwCommand(model, o);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n'
        : `wrote ${r.out}: ${r.files} files, ${r.bytes.toLocaleString('en-US')} bytes, ${r.layers} layers, formats ${r.formats.join(',')}${r.goldenImages ? `, golden vectors of ${r.goldenImages} images` : ''}\n`);
    });
}
