// isDuroPath (src/api/duro-paths.ts), which `duro.handler(app)` routes by: it must cover every route Duro's app registers,
// so a route added later cannot silently go to the user's handlers instead.
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { isDuroPath } from '../../../src/api/duro-paths';

describe('isDuroPath', () => {
  it('covers every route of the API app, with its parameters filled in, and leaves / and other paths to the app', () => {
    const paths = [...new Set(createApiApp().routes.map((route) => route.path))].filter((path) => path !== '/' && path !== '/*' && !path.endsWith('/*'));
    expect(paths.length).toBeGreaterThan(20);
    const concrete = paths.map((path) => path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, 'x'));
    expect(concrete.filter((path) => !isDuroPath(path))).toEqual([]);
    for (const path of ['/', '/checkout', '/examples/orders', '/v1', '/uix', '/docsx']) expect(isDuroPath(path), path).toBe(false);
  });
});
