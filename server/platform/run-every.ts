// A background task run now and then every intervalMs, never overlapping itself (a slow run makes the next tick a
// no-op), off the event loop's keep-alive. Retention, the raw-files sweep and the compose reconciler use it.

/** Starts `task`; returns the function that stops it. A failing run goes to `onError` and the next tick tries again. */
export function runEvery(intervalMs: number, task: () => Promise<void>, onError: (err: unknown) => void): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (err) {
      onError(err);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
