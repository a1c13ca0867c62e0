// How the Workflow binding refuses, as Cloudflare's does: a plain Error whose message starts with the code in
// parentheses (`(instance.not_found) Instance not found`), which crosses RPC as it is. The code and message are also
// kept apart, for `createBatch`'s per-entry errors.

const BINDING_ERROR = Symbol('duro.bindingError');

export function bindingError(code: string, message: string): Error {
  return Object.assign(new Error(`(${code}) ${message}`), { [BINDING_ERROR]: { code, message } });
}

/** The code and message of a refusal. */
export function bindingErrorParts(error: unknown): { code: string; message: string } {
  const parts = (error as { [BINDING_ERROR]?: { code: string; message: string } } | undefined)?.[BINDING_ERROR];
  return parts ?? { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
