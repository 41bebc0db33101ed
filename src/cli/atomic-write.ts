// Atomic output for every file the CLI writes: the bytes go to a temporary file in the same
// directory (same file system, so rename is atomic), are fsynced, and the temporary file is
// renamed over the target; the directory is fsynced so the rename itself survives a crash.
// A reader of the target therefore sees the old file or the complete new one, never a prefix.
// Any failure (full disk, I/O error) removes the temporary file and leaves the old target.
// A process killed with SIGKILL cannot clean up: its temporary file (a dotfile named after the
// target and the writer's pid) is removed by the next write to the same target.
// Directories (hardware export) are built as a temporary sibling and swapped in by rename.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './io.js';

const TMP = (base: string) => `.${base}.tmp-`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files a killed writer left beside `target`. */
function sweep(dir: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(TMP(base))) continue;
    const pid = Number(n.slice(TMP(base).length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(dir, n), { recursive: true, force: true });
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // some file systems refuse fsync on a directory; the rename has still happened
  }
}

/** Refuses an output path that names one of the command's inputs (the same file, by any path). */
export function refuseOverwritingInput(out: string, inputs: readonly (string | undefined)[], flag = '--out'): void {
  const same = (a: string, b: string) => {
    if (resolve(a) === resolve(b)) return true;
    try {
      const sa = statSync(a), sb = statSync(b);
      return sa.dev === sb.dev && sa.ino === sb.ino;
    } catch {
      return false;
    }
  };
  for (const i of inputs) if (i && same(out, i)) throw new UsageError(`${flag} ${out} names an input of this command; write the output elsewhere`);
}

export interface AtomicWriteOptions {
  /** test hook: called after the data is synced, before the rename */
  beforeRename?: () => void;
}

function writeAll(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fd = openSync(path, 'wx', 0o644);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `target` atomically (see the top of this file); errors are UsageErrors naming the target. */
export function writeFileAtomic(target: string, data: Uint8Array | string, o: AtomicWriteOptions = {}): void {
  const dir = dirname(resolve(target)), base = basename(target);
  if (existsSync(target) && statSync(target).isDirectory()) throw new UsageError(`cannot write ${target}: it is a directory`);
  sweep(dir, base);
  const tmp = join(dir, `${TMP(base)}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    writeAll(tmp, data);
    o.beforeRename?.();
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot write ${target}: ${(e as Error).message}`);
  }
  fsyncDir(dir);
}

/**
 * Writes a directory of files: built complete as a temporary sibling, then swapped in (an
 * existing directory is renamed aside first and removed after). `files` maps relative paths
 * (subfolders allowed) to contents.
 */
export function writeDirAtomic(target: string, files: Readonly<Record<string, Uint8Array | string>>, o: AtomicWriteOptions = {}): void {
  const abs = resolve(target), dir = dirname(abs), base = basename(abs);
  if (existsSync(abs) && !statSync(abs).isDirectory()) throw new UsageError(`cannot write ${target}: it exists and is not a directory`);
  sweep(dir, base);
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const tmp = join(dir, `${TMP(base)}${tag}`), old = join(dir, `${TMP(base)}${tag}-old`);
  try {
    mkdirSync(tmp);
    for (const [rel, data] of Object.entries(files)) {
      const p = resolve(tmp, rel);
      if (!p.startsWith(tmp + '/')) throw new UsageError(`cannot write ${target}: '${rel}' leaves the directory`);
      mkdirSync(dirname(p), { recursive: true });
      writeAll(p, data);
    }
    fsyncDir(tmp);
    o.beforeRename?.();
    const had = existsSync(abs);
    if (had) renameSync(abs, old);
    try {
      renameSync(tmp, abs);
    } catch (e) {
      if (had) renameSync(old, abs);
      throw e;
    }
    if (had) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot write ${target}: ${(e as Error).message}`);
  }
  fsyncDir(dir);
}
