// The reply of every RPC method of the hosts' objects: a value, or a refusal as a problem of a stable type.
// Plain data, so it crosses RPC as it is; the API turns a refusal into problem+json unchanged.
import { problem, type Problem, type ProblemType } from './problem-types';

export type Reply<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export function ok<T>(value: T): Reply<T> {
  return { ok: true, value };
}

export function refuse<T = never>(type: ProblemType, detail: string, extensions?: Record<string, unknown>): Reply<T> {
  return { ok: false, problem: problem(type, detail, extensions) };
}
