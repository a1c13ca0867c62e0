// Many deadlines on one host timer. Every local activity attempt arms a start-to-close deadline and almost every
// one is cancelled a few microseconds later, when the attempt returns; a host setTimeout/clearTimeout pair per
// attempt cost more than the rest of the step's bookkeeping (docs/performance.md). Here arming is a heap push and
// cancelling is a flag. The host timer looks at most HORIZON_MS ahead and is left running when the last timer is
// cancelled, so a chain of attempts arms it about once a second, and an idle host keeps it at most that long.

const HORIZON_MS = 1_000;

interface Entry {
  at: number;
  /** Order among equal deadlines: first armed, first fired. */
  seq: number;
  fire: (() => void) | undefined;
}

/** Set and cancel timers in bulk; `at` is a `Date.now()` time. */
export class TimerQueue {
  readonly #heap: Entry[] = [];
  #live = 0;
  #seq = 0;
  #armedAt: number | undefined;
  #handle: ReturnType<typeof setTimeout> | undefined;

  /** Calls `fire` once at (or soon after) `at`, unless the returned function is called first. */
  schedule(at: number, fire: () => void): () => void {
    const entry: Entry = { at, seq: this.#seq++, fire };
    push(this.#heap, entry);
    this.#live++;
    if (this.#armedAt === undefined || at < this.#armedAt) this.#arm(at);
    return () => this.#cancel(entry);
  }

  /** Timers armed and not yet fired or cancelled. */
  get size(): number {
    return this.#live;
  }

  #cancel(entry: Entry): void {
    if (!entry.fire) return;
    entry.fire = undefined;
    this.#live--;
    if (this.#live === 0) {
      this.#heap.length = 0; // the host timer stays: the next attempt is likely a moment away
    } else if (this.#heap.length > 64 && this.#heap.length > 4 * this.#live) {
      this.#compact();
    }
  }

  #arm(at: number): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    const now = Date.now();
    this.#armedAt = Math.min(at, now + HORIZON_MS);
    this.#handle = setTimeout(() => this.#fireDue(), Math.max(0, this.#armedAt - now));
  }

  #fireDue(): void {
    this.#handle = undefined;
    this.#armedAt = undefined;
    const now = Date.now();
    const due: Array<() => void> = [];
    while (this.#heap.length > 0 && this.#heap[0]!.at <= now) {
      const entry = pop(this.#heap)!;
      if (!entry.fire) continue;
      due.push(entry.fire);
      entry.fire = undefined;
      this.#live--;
    }
    this.#armNext();
    for (const fire of due) fire();
  }

  /** Arms the host timer for the earliest deadline still wanted, dropping cancelled ones on top. */
  #armNext(): void {
    while (this.#heap.length > 0 && !this.#heap[0]!.fire) pop(this.#heap);
    const next = this.#heap[0];
    // A timer may fire a little early by Date.now(): what is not yet due waits at least 1 ms more.
    if (next) this.#arm(Math.max(next.at, Date.now() + 1));
  }

  #compact(): void {
    const live = this.#heap.filter((entry) => entry.fire !== undefined);
    this.#heap.length = 0;
    for (const entry of live) push(this.#heap, entry);
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function push(heap: Entry[], entry: Entry): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function pop(heap: Entry[]): Entry | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let smallest = i;
    if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
    if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
    if (smallest === i) return top;
    [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
    i = smallest;
  }
}
