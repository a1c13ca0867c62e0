// duro/temporal/workflow where the runtime has no async context (a browser): the engine hands inputs to one workflow
// per macrotask and the free functions find the workflow it entered last (core/ambient.ts). Simulated in Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import { WorkflowFailedError } from 'duro/workflow';
import { withoutAsyncContextForTesting } from '../../../src/core/ambient';
import * as activities from '../../fixtures/temporal/activities';
import * as workflows from '../../fixtures/temporal/workflows';

beforeAll(() => withoutAsyncContextForTesting(true));
afterAll(() => withoutAsyncContextForTesting(false));

describe('Temporal-style workflows without an async context', () => {
  it('run with module-level proxies and free functions', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    expect(await env.execute('greeting', { input: ['Ada', 'Hello'] })).toBe('Hello, Ada!');
  });

  it('never mix up workflows that interleave', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handles = await Promise.all(Array.from({ length: 12 }, (_, i) => env.start('identity', { workflowId: `identity-${i}`, input: [10] })));
    const results = await Promise.all(handles.map((handle) => handle.result()));
    results.forEach((seen, i) => expect(seen).toEqual(Array(10).fill(`identity-${i}`)));
  });

  it('keep a scope awaited in turn as the current one after its awaits (a cleanup in nonCancellable runs)', async () => {
    activities.calls.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start('reserveThenRelease', { workflowId: 'reserve', input: ['book'] });
    await env.sleep('1 minute');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(activities.calls).toEqual(['reserve:book', 'release:reservation-book']);
    expect(await env.execute('scopes')).toEqual({ sameRoot: true, innerIsChild: true, cancelled: 'yes' });
  });
});

describe('Temporal-style workflows on the browser host (IndexedDB), without an async context', () => {
  it('run, several at once, each with its own identity', async () => {
    const { indexedDB, IDBKeyRange } = await import('fake-indexeddb');
    const { createBrowserDuro } = await import('duro/browser');
    const duro = await createBrowserDuro({ workflows, activities, dbName: 'duro-temporal-without-async-context', indexedDB, IDBKeyRange, onError: () => undefined });
    try {
      const greeting = await duro.start('greeting', { workflowId: 'greeting', input: ['Ada', 'Hello'] });
      const identities = await Promise.all([0, 1, 2].map((i) => duro.start('identity', { workflowId: `identity-${i}`, input: [3] })));
      expect(await greeting.result()).toBe('Hello, Ada!');
      for (const [i, handle] of identities.entries()) expect(await handle.result()).toEqual(Array(3).fill(`identity-${i}`));
    } finally {
      duro.close();
    }
  });
});
