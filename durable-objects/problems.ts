// Replies of the object's RPC methods: a value, or a refusal as a problem of a stable type.
import { problem, type ProblemType } from '../src/protocol/problem-types';
import type { Reply } from './rpc-types';

export function ok<T>(value: T): Reply<T> {
  return { ok: true, value };
}

export function refuse<T = never>(type: ProblemType, detail: string, extensions?: Record<string, unknown>): Reply<T> {
  return { ok: false, problem: problem(type, detail, extensions) };
}
