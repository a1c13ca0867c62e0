// Yielding to the event loop. A macrotask runs only after every pending microtask, so once it fires
// the workflow code has run as far as it can: it is blocked on the engine.

type Immediate = (callback: () => void) => unknown;

const setImmediateFn: Immediate | undefined = (globalThis as { setImmediate?: Immediate }).setImmediate;
let postTask: Immediate | undefined;

/** Resolves after all currently queued microtasks (and those they queue) have run. */
export function yieldMacrotask(): Promise<void> {
  // setImmediate (Node, workerd) skips the ≥1 ms clamp that setTimeout has in Node; a browser has a message channel,
  // which skips the 4 ms clamp of nested setTimeouts.
  postTask ??= setImmediateFn ?? messageChannelTask() ?? ((callback) => setTimeout(callback, 0));
  return new Promise((resolve) => postTask!(resolve));
}

function messageChannelTask(): Immediate | undefined {
  if (typeof MessageChannel !== 'function') return undefined;
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return (callback) => {
    waiting.push(callback);
    channel.port2.postMessage(undefined);
  };
}
