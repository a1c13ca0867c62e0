// Yielding to the event loop. A macrotask runs only after every pending microtask, so once it fires
// the workflow code has run as far as it can: it is blocked on the engine.

type Immediate = (callback: () => void) => unknown;

const setImmediateFn: Immediate | undefined = (globalThis as { setImmediate?: Immediate }).setImmediate;

/** Resolves after all currently queued microtasks (and those they queue) have run. */
export function yieldMacrotask(): Promise<void> {
  // setImmediate (Node, workerd) skips the ≥1 ms clamp that setTimeout has in Node.
  if (setImmediateFn) return new Promise((resolve) => setImmediateFn(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}
