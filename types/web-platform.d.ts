// The few web-platform globals the engine core uses. They exist in browsers, Workers, Node, Deno and Bun;
// tsconfig.core.json checks src/core against these alone, so a Node- or Workers-only API fails the typecheck.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(timer: unknown): void;
declare class MessageChannel {
  readonly port1: { onmessage: ((event: unknown) => void) | null };
  readonly port2: { postMessage(message: unknown): void };
}
declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
