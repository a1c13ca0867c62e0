// Refusals as problem+json bodies with stable types (shared/API.md), built inside the object.
import type { Problem, Reply } from './rpc-types';

export function problem(status: number, type: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type, title: TITLES[status] ?? 'Error', status, detail, ...extra };
}

export function ok<T>(value: T): Reply<T> {
  return { ok: true, value };
}

export function refuse<T = never>(status: number, type: string, detail: string, extra?: Record<string, unknown>): Reply<T> {
  return { ok: false, problem: problem(status, type, detail, extra) };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};
