// Polling with a deadline, for tests that watch something happen in real time; platform-free, so tests in Node and
// in workerd share it.

/** Polls `probe` every 20 ms until it returns something truthy; fails after `timeoutMs`, naming `what` it waited for. */
export async function pollUntil<T>(probe: () => T | Promise<T>, what: string, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
