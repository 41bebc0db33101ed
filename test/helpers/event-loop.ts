// vitest's worker answers its runner's RPC only between macrotasks, and fails the whole run with
// `Timeout calling "onTaskUpdate"` when one synchronous stretch outlasts its fixed 60 s (seen on
// a loaded 2-core machine). Long in-process tests await this between steps.
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
