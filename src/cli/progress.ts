// A progress bar on stderr for work that takes over a second; silent with --json or when
// stderr is not a terminal. The ETA is ours, not cli-progress's: none until there is a basis
// (some work done over a few seconds), and always a well-formed duration.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** Seconds of work and units done before an ETA is shown. */
export const ETA_MIN_SECONDS = 3;

/** "ETA 42s", "ETA 3m05s", "ETA 1h02m", "ETA >99h"; '' while there is no basis for one. */
export function etaText(elapsedSeconds: number, doneSinceStart: number, remaining: number): string {
  if (!(elapsedSeconds >= ETA_MIN_SECONDS) || !(doneSinceStart > 0) || !(remaining >= 0)) return '';
  const s = Math.round((elapsedSeconds / doneSinceStart) * remaining);
  if (!Number.isFinite(s)) return '';
  if (s >= 100 * 3600) return 'ETA >99h';
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `ETA ${s}s`;
  if (s < 3600) return `ETA ${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `ETA ${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
}

export function progress(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const start = Date.now();
  let bar: cliProgress.SingleBar | undefined, t0 = 0, done0 = 0;
  return {
    update(done, total) {
      if (!bar) {
        if (Date.now() - start < 1000) return;
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} {eta}`, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        t0 = Date.now();
        done0 = done;
        bar.start(total, done, { eta: '' });
      }
      bar.setTotal(total);
      bar.update(done, { eta: etaText((Date.now() - t0) / 1000, done - done0, total - done) });
    },
    stop() {
      bar?.stop();
    },
  };
}
