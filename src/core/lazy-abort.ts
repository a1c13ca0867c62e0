// An attempt's cancellation signal, made when the activity first reads it: most attempts never do, and an
// AbortController (with the reasons and timers around it) per attempt showed in the profiles (docs/performance.md).

/** An AbortController made on the first read of `signal`; an abort before that is remembered and applied then. */
export class LazyAbort {
  readonly #onFirstRead: ((controller: AbortController) => void) | undefined;
  #controller: AbortController | undefined;
  #abortedWith: (() => unknown) | undefined;

  /** `onFirstRead` runs when the signal is made, unless an abort came first (e.g. to arm a deadline timer). */
  constructor(onFirstRead?: (controller: AbortController) => void) {
    this.#onFirstRead = onFirstRead;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = (this.#controller = new AbortController());
      if (this.#abortedWith) controller.abort(this.#abortedWith());
      else this.#onFirstRead?.(controller);
    }
    return this.#controller.signal;
  }

  /** Aborts with `reason()`, which is made only if someone reads (or has read) the signal; the first abort wins. */
  abortWith(reason: () => unknown): void {
    if (!this.#controller) this.#abortedWith ??= reason;
    else if (!this.#controller.signal.aborted) this.#controller.abort(reason());
  }

  /** As AbortController's. */
  abort(reason?: unknown): void {
    this.abortWith(() => reason);
  }
}
