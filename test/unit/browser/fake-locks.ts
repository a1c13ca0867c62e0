// A Web Locks manager shared by the "tabs" of one test (Node has no navigator.locks): exclusive locks by name;
// `ifAvailable` answers null when held, otherwise a request waits in line, and its signal takes it out of the line.
// `query` (what is held) only when asked for, so both ways of asking who holds a lock are tested.
type Callback = (lock: unknown) => Promise<void> | void;

export function sharedLocks(options: { query?: boolean } = {}) {
  const held = new Set<string>();
  const queues = new Map<string, Array<() => void>>();

  const grant = async (name: string, callback: Callback) => {
    held.add(name);
    try {
      return await callback({ name });
    } finally {
      held.delete(name);
      queues.get(name)?.shift()?.();
    }
  };

  const query = async () => ({ held: [...held].map((name) => ({ name })) });
  return {
    ...(options.query && { query }),
    async request(name: string, options: { ifAvailable?: true; signal?: AbortSignal }, callback: Callback): Promise<unknown> {
      if (!held.has(name)) return grant(name, callback);
      if (options.ifAvailable) return callback(null);
      const { signal } = options;
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((granted, refused) => {
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        const turn = () => {
          signal?.removeEventListener('abort', leave);
          granted();
        };
        const leave = () => {
          queue.splice(queue.indexOf(turn), 1);
          refused(signal!.reason);
        };
        queue.push(turn);
        signal?.addEventListener('abort', leave, { once: true });
      });
      return grant(name, callback);
    },
  };
}
