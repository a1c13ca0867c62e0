// The bankAccount example end to end in workerd: updates, their validator and duplicate update ids through the
// REST API and DuroClient, the balance query, and closing the account.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DuroApiError, DuroClient } from 'duro/client';
import { WorkflowUpdateRejectedError } from 'duro/workflow';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = any>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

const history = async (workflowId: string) => (await json<{ events: Array<{ type: string; updateId?: string }> }>(api(`/v1/workflows/${workflowId}/history`))).events;
const balanceOf = async (workflowId: string) => (await json<{ result: number }>(post(`/v1/workflows/${workflowId}/queries/balance`, {}))).result;

async function openAccount(workflowId: string, input: Record<string, unknown> = {}) {
  expect((await post('/v1/workflows', { workflowType: 'bankAccount', workflowId, input })).status).toBe(201);
}

describe('bankAccount through the REST API', () => {
  it('answers deposits and withdrawals with the new balance, and applies a repeated updateId once', async () => {
    const id = 'acct-it-rest';
    await openAccount(id, { initialBalance: 100 });

    const first = await post(`/v1/workflows/${id}/updates/deposit`, { args: [{ amount: 50 }], updateId: 'dep-1' });
    expect(first.status).toBe(200);
    expect(await json(first)).toEqual({ updateId: 'dep-1', outcome: { result: 150 } });
    // The client did not hear back and sends the same request again: same outcome, applied once.
    const again = await post(`/v1/workflows/${id}/updates/deposit`, { args: [{ amount: 50 }], updateId: 'dep-1' });
    expect(await json(again)).toEqual({ updateId: 'dep-1', outcome: { result: 150 } });

    expect(await json(post(`/v1/workflows/${id}/updates/withdraw`, { args: [{ amount: 30 }], updateId: 'wd-1' }))).toEqual({ updateId: 'wd-1', outcome: { result: 120 } });
    expect(await balanceOf(id)).toBe(120);
    expect((await history(id)).filter((e) => e.type === 'UpdateAccepted').map((e) => e.updateId)).toEqual(['dep-1', 'wd-1']);
  });

  it('rejects an overdraft and a non-positive amount with 400 and records nothing', async () => {
    const id = 'acct-it-reject';
    await openAccount(id, { initialBalance: 10 });
    const before = await history(id);

    const overdraft = await post(`/v1/workflows/${id}/updates/withdraw`, { args: [{ amount: 11 }] });
    expect(overdraft.status).toBe(400);
    expect(await json(overdraft)).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'InsufficientFunds', details: { balance: 10, amount: 11 } } });
    const negative = await post(`/v1/workflows/${id}/updates/deposit`, { args: [{ amount: -1 }] });
    expect(negative.status).toBe(400);
    expect(await json(negative)).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'InvalidAmount' } });

    expect(await history(id)).toEqual(before);
    expect(await balanceOf(id)).toBe(10);
  });

  it('completes with the final balance when it receives close', async () => {
    const id = 'acct-it-close';
    await openAccount(id, {});
    expect(await json(post(`/v1/workflows/${id}/updates/deposit`, { args: [{ amount: 7 }] }))).toMatchObject({ outcome: { result: 7 } });
    expect((await post(`/v1/workflows/${id}/signals/close`, {})).status).toBe(202);
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toEqual({ status: 'completed', result: { status: 'closed', balance: 7 } });
  });
});

describe('bankAccount through DuroClient', () => {
  const client = new DuroClient({ baseUrl: 'http://duro.test', fetch: (request) => exports.default.fetch(request) });

  it('runs updates with update ids, queries the balance, surfaces a rejection and refuses updates once closed', async () => {
    const account = await client.start('bankAccount', { workflowId: 'acct-it-client', input: { initialBalance: 5 } });
    expect(await account.executeUpdate<number, [{ amount: number }]>('deposit', { args: [{ amount: 10 }], updateId: 'c-1' })).toBe(15);
    expect(await account.executeUpdate<number, [{ amount: number }]>('deposit', { args: [{ amount: 10 }], updateId: 'c-1' })).toBe(15);
    expect(await account.query<number, []>('balance')).toBe(15);
    const rejected = await account.executeUpdate('withdraw', { args: [{ amount: 100 }] }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(WorkflowUpdateRejectedError);
    expect((rejected as WorkflowUpdateRejectedError).cause).toMatchObject({ type: 'InsufficientFunds' });
    await account.signal('close');
    expect(await account.result()).toEqual({ status: 'closed', balance: 15 });
    const late = await account.executeUpdate('deposit', { args: [{ amount: 1 }] }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(DuroApiError);
    expect((late as DuroApiError).type).toBe('duro:workflow-closed');
  });
});

describe('bankAccount across its runs', () => {
  it('applies an update re-sent after the account continued as new once, also after the object was evicted', async () => {
    const { abortAllDurableObjects } = await import('cloudflare:test');
    const id = 'acct-it-chain';
    await openAccount(id, { initialBalance: 100, maxOperationsPerRun: 1, quietPeriod: '50ms' });
    const first = await json<{ runId: string }>(api(`/v1/workflows/${id}`));
    expect(await json(post(`/v1/workflows/${id}/updates/deposit`, { args: [{ amount: 50 }], updateId: 'dep-chain' }))).toEqual({ updateId: 'dep-chain', outcome: { result: 150 } });
    // The run hands over to the next once it has been quiet for 50 ms.
    const deadline = Date.now() + 5_000;
    while ((await json<{ runId: string }>(api(`/v1/workflows/${id}`))).runId === first.runId) {
      if (Date.now() > deadline) throw new Error('the account did not continue as new');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await abortAllDurableObjects();
    // The client never heard back and retries: the outcome first recorded, and nothing applied again.
    expect(await json(post(`/v1/workflows/${id}/updates/deposit`, { args: [{ amount: 50 }], updateId: 'dep-chain' }))).toEqual({ updateId: 'dep-chain', outcome: { result: 150 } });
    expect(await balanceOf(id)).toBe(150);
    expect((await history(id)).filter((e) => e.type === 'UpdateAccepted')).toEqual([]);
  }, 20_000);
});
