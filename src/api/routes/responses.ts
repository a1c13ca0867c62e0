// OpenAPI response entries shared by the route files: JSON successes and problem+json errors.
import type { z } from '@hono/zod-openapi';
import { ProblemSchema } from '../schemas';

export function json<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** Documents problem+json errors by status. Handlers never return these: they throw `ProblemError`. */
export function problems<const E extends Record<number, string>>(errors: E): { [K in keyof E]: ProblemResponse } {
  const entries: Record<number, ProblemResponse> = {};
  for (const [status, description] of Object.entries(errors)) {
    entries[Number(status)] = { description, content: { 'application/problem+json': { schema: ProblemSchema } } };
  }
  return entries as { [K in keyof E]: ProblemResponse };
}

type ProblemResponse = { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } };

/** The errors every /v1 route may answer. */
export const COMMON_ERRORS = {
  400: 'Invalid request (`duro:invalid-request`): the `detail` names the bad fields.',
  413: 'A payload is over 2 MiB (`duro:payload-too-large`).',
  500: 'Internal error (`duro:internal`).',
} as const;
