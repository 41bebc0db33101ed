// Progress callbacks and cancellation for the library's long calls.

export interface Progress {
  /** what is running: 'calibrate', 'bias correction', 'sensitivity', 'evaluate', 'frontier', ... */
  stage: string;
  done: number;
  /** NaN when the total is not known in advance (a streamed source without a limit) */
  total: number;
}

export interface CallOptions {
  onProgress?: (p: Progress) => void;
  /** Aborting rejects the call with the signal's reason at the next batch boundary. */
  signal?: AbortSignal;
}

export function checkAbort(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/** The (stage, done, total) callback the internals take; it also checks the signal, so an abort stops them. */
export function reporter(o: CallOptions | undefined, rename?: string): (stage: string, done: number, total: number) => void {
  return (stage, done, total) => {
    checkAbort(o?.signal);
    o?.onProgress?.({ stage: rename ?? stage, done, total });
  };
}

/** Lets the event loop (and a worker's message queue) run between batches. */
export function yieldNow(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
