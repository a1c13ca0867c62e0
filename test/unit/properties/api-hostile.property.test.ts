// Issue 15: generated hostile ids, names, durations and JSON bodies thrown at every route of the API's own OpenAPI
// document. Whatever comes in: never a 5xx (bar 501 for a route this backend does not serve), every 4xx is
// problem+json with a stable `type`, and a refused request changed nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiBackend, ExecutionStub } from '../../../src/api/backend';
import { ProblemType } from '../../../src/api/problems';
import { createApiApp } from '../../../src/api/app';
import { createEnvBackend } from '../api/env-backend';
import { workflows } from '../api/fixtures';

/** Execution calls that change something when they answer ok. */
const MUTATING = new Set<keyof ExecutionStub>([
  'start', 'signalWithStart', 'updateWithStart', 'signal', 'update', 'cancel', 'terminate', 'pause', 'unpause', 'reset', 'activityComplete', 'activityHeartbeat',
]);
const STABLE_TYPES = new Set<string>(Object.values(ProblemType));

/** The backend, counting the changes it accepted. */
function counting(backend: ApiBackend): { backend: ApiBackend; changes: () => number } {
  let changes = 0;
  const execution = (workflowId: string): ExecutionStub => {
    const stub = backend.execution(workflowId);
    return new Proxy(stub, {
      get(target, key: keyof ExecutionStub) {
        const method = target[key] as (...args: unknown[]) => Promise<{ ok: boolean }>;
        if (!MUTATING.has(key)) return method;
        return async (...args: unknown[]) => {
          const reply = await method.apply(target, args);
          if (reply.ok) changes++;
          return reply;
        };
      },
    });
  };
  return { backend: { ...backend, execution }, changes: () => changes };
}

// ---- hostile values ----

const controlChar = fc.constantFrom('\u0000', '\r', '\n', '\t', '\u001b', '\u007f', '\u2028', '\u2029');
const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
/** Ids and names this app knows (so requests get past validation to the engine), and ones that must be refused. */
const goodId = fc.constantFrom('c', 'counter', 'greet', 'nap', 'add', 'finish', 'total', 'setTotal', 'fresh-1', 'order-\ud83d\ude80');
const hostileId = fc.oneof(
  { weight: 3, arbitrary: goodId },
  fc.constantFrom('', '.', '..', 'count', 'signal-with-start', 'update-with-start', '%', '%2F', 'a/b', '?x=1', '#frag', ' '),
  fc.tuple(fc.string({ maxLength: 5 }), fc.oneof(controlChar, loneSurrogate), fc.string({ maxLength: 5 })).map(([a, b, c]) => a + b + c),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer({ min: 995, max: 1010 }).map((n) => 'x'.repeat(n)),
);
const hostileDuration = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>('1s', '30s', 500, '2 days') },
  fc.constantFrom<unknown>('9'.repeat(400) + 'ms', '100000000 weeks', '1e308', '-1s', 'NaN', 'Infinity', '', '30s', '1h30m', 'soon', '2 days', -1, 0, 1e308, 5e15, 1.5, [], {}, null, true),
  fc.double(),
  fc.string({ maxLength: 8 }),
);
/** A JSON text: generated values, nesting far past the limit, numbers JSON cannot carry, or not JSON at all. */
const hostileJsonText = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  fc.integer({ min: 60, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 60, max: 3000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.constantFrom('1e400', '-1e400', '[1e999]', '{"x":1e400}', '1e308', '"\\ud800"', 'NaN', '{', '[1,', '"unterminated', '{"__proto__":{"x":1}}'),
);
/** A cause chain as JSON text, up to 2 500 deep. */
const causeChain = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2500 })).map((depth) => {
  let failure = '{"type":"Root","message":"root"}';
  for (let i = 0; i < depth; i++) failure = `{"type":"Wrap","message":"m","cause":${failure}}`;
  return failure;
});

/** A body for a route: its usual fields with hostile values, as JSON text (so depth and 1e400 survive). */
const FIELDS: Record<string, fc.Arbitrary<string>> = {
  workflowType: hostileId.map((v) => JSON.stringify(v)),
  workflowId: hostileId.map((v) => JSON.stringify(v)),
  signalName: hostileId.map((v) => JSON.stringify(v)),
  updateName: hostileId.map((v) => JSON.stringify(v)),
  requestId: hostileId.map((v) => JSON.stringify(v)),
  updateId: hostileId.map((v) => JSON.stringify(v)),
  scheduleId: hostileId.map((v) => JSON.stringify(v)),
  batchId: hostileId.map((v) => JSON.stringify(v)),
  taskToken: hostileId.map((v) => JSON.stringify(v)),
  input: hostileJsonText,
  args: hostileJsonText,
  signalArgs: hostileJsonText,
  updateArgs: hostileJsonText,
  result: hostileJsonText,
  details: hostileJsonText,
  memo: hostileJsonText,
  failure: causeChain,
  searchAttributes: fc.dictionary(hostileId, fc.oneof(fc.string(), fc.double())).map((v) => JSON.stringify(v)),
  startDelay: hostileDuration.map((v) => JSON.stringify(v)),
  executionTimeout: hostileDuration.map((v) => JSON.stringify(v)),
  runTimeout: hostileDuration.map((v) => JSON.stringify(v)),
  every: hostileDuration.map((v) => JSON.stringify(v)),
  jitter: hostileDuration.map((v) => JSON.stringify(v)),
  retryPolicy: fc.record({ initialInterval: hostileDuration, maximumInterval: hostileDuration, backoffCoefficient: fc.double() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  eventId: fc.oneof(fc.integer(), fc.constant('1e400')).map(String),
  reason: fc.string({ maxLength: 20 }).map((v) => JSON.stringify(v)),
};
/** A body for a route: some of its own fields (from the OpenAPI document), now and then a stranger, or any JSON text. */
function hostileBody(fields: string[]): fc.Arbitrary<string> {
  const known = fields.filter((field) => FIELDS[field]);
  const members = fc.subarray([...known, 'unexpected'], { minLength: 0, maxLength: Math.min(6, known.length + 1) })
    .chain((keys) => fc.tuple(...keys.map((key) => (FIELDS[key] ?? hostileJsonText).map((value) => `${JSON.stringify(key)}:${value}`))))
    .map((parts) => `{${parts.join(',')}}`);
  return fc.oneof({ weight: 5, arbitrary: members }, { weight: 1, arbitrary: hostileJsonText });
}

/** A path segment: URL-encoded, a lone surrogate as the (invalid UTF-8) bytes it would be. */
function segment(value: string): string {
  return [...value].map((char) => (/[\ud800-\udfff]/.test(char) && char.length === 1 ? `%${(0xed).toString(16)}%${(0xa0 | ((char.charCodeAt(0) >> 6) & 0x1f)).toString(16)}%${(0x80 | (char.charCodeAt(0) & 0x3f)).toString(16)}` : encodeURIComponent(char))).join('');
}

interface Route {
  method: string;
  path: string;
  query: string[];
  /** Members of its JSON body's schema. */
  fields: string[];
}

type Schema = { $ref?: string; properties?: Record<string, unknown>; allOf?: Schema[]; anyOf?: Schema[] };

async function routesOf(app: ReturnType<typeof createApiApp>): Promise<Route[]> {
  const document = (await (await app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
    components: { schemas: Record<string, Schema> };
  };
  const propertiesOf = (schema: Schema | undefined): string[] => {
    if (!schema) return [];
    if (schema.$ref) return propertiesOf(document.components.schemas[schema.$ref.split('/').pop()!]);
    return [...Object.keys(schema.properties ?? {}), ...[...(schema.allOf ?? []), ...(schema.anyOf ?? [])].flatMap(propertiesOf)];
  };
  return Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({
    method: method.toUpperCase(),
    path,
    query: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    fields: propertiesOf(operation.requestBody?.content['application/json']?.schema),
  })));
}

describe('API under hostile input (every route of the OpenAPI document)', () => {
  it('never answers 5xx, answers every 4xx as problem+json with a stable type, and changes nothing it refuses', async () => {
    const { backend: inner, env } = await createEnvBackend({ workflows });
    const { backend, changes } = counting(inner);
    const app = createApiApp(backend);
    // A running workflow the requests may reach: valid ids are generated too.
    await env.start('counter', { workflowId: 'c' });
    const routes = await routesOf(app);
    expect(routes.length).toBeGreaterThan(20);

    const statuses = new Map<string, number>();
    const request = fc.constantFrom(...routes).chain((route) => fc.record({
      route: fc.constant(route),
      // The first parameter is mostly the running workflow, so messages reach the engine.
      params: fc.tuple(fc.oneof({ weight: 2, arbitrary: fc.constant('c') }, hostileId), hostileId, hostileId, hostileId),
      query: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant('') }, hostileId, hostileDuration.map(String)), { minLength: 4, maxLength: 4 }),
      body: hostileBody(route.fields),
    }));
    await fc.assert(
      fc.asyncProperty(request, async ({ route, params, query, body }) => {
        // Keep a running `c`: a terminate or cancel drawn earlier must not turn every later message into a 409.
        const described = await inner.execution('c').describe({});
        if (described.ok && described.value.status !== 'running') await env.start('counter', { workflowId: 'c' });
        let i = 0;
        const path = route.path.replace(/\{[^}]+\}/g, () => segment(params[i++]!));
        const search = route.query.map((name, j) => `${name}=${segment(query[j % query.length]!)}`).join('&');
        const url = `${path}${search ? `?${search}` : ''}`;
        const hasBody = route.method !== 'GET' && route.method !== 'HEAD';
        const before = changes();
        const res = await app.request(url, { method: route.method, ...(hasBody && { headers: { 'content-type': 'application/json' }, body }) });
        const text = await res.text();
        if (process.env.API_HOSTILE_STATS) statuses.set(`${route.method} ${route.path} ${res.status}`, (statuses.get(`${route.method} ${route.path} ${res.status}`) ?? 0) + 1);
        const where = `${route.method} ${url.slice(0, 200)} ${hasBody ? body.slice(0, 200) : ''} → ${res.status} ${text.slice(0, 300)}`;
        if (res.status === 501) expect(JSON.parse(text).type, where).toBe(ProblemType.notImplemented);
        else expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type'), where).toBe('application/problem+json');
          const problem = JSON.parse(text) as { type: string; status: number };
          expect(STABLE_TYPES.has(problem.type), where).toBe(true);
          expect(problem.status, where).toBe(res.status);
          expect(changes(), `${where}: refused, yet the backend accepted a change`).toBe(before);
        }
      }),
      { numRuns: 600, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
    );
    if (process.env.API_HOSTILE_STATS) console.log([...statuses].sort().map(([key, n]) => `${key}: ${n}`).join('\n'));
  }, 60_000);
});
