// Machine and date stamp for committed benchmark results.

import { cpus, platform, release, totalmem } from 'node:os';

export function machineStamp(): { date: string; cpu: string; cores: number; memGiB: number; os: string; node: string; v8: string } {
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}
