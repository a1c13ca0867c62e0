// examples/bank-account.ts in the time-skipping environment: updates and their validators, duplicate update ids,
// closing, and the continue-as-new that keeps the entity's history bounded.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateRejectedError, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import { balance, bankAccount, close, deposit, withdraw, type BankAccountInput } from '../../../examples/bank-account';

async function openAccount(workflowId: string, input: BankAccountInput = {}) {
  const env = await TestWorkflowEnvironment.create({ workflows: { bankAccount } });
  return { env, account: await env.start(bankAccount, { workflowId, input }) };
}

const types = (history: HistoryEvent[]) => history.map((e) => e.type);
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as WorkflowUpdateRejectedError);

describe('bankAccount', () => {
  it('answers each deposit and withdrawal with the new balance, and the balance query agrees', async () => {
    const { account } = await openAccount('acct-basic', { initialBalance: 100 });
    expect(await account.query(balance)).toBe(100);
    expect(await account.executeUpdate(deposit, { args: [{ amount: 50 }] })).toBe(150);
    expect(await account.executeUpdate(withdraw, { args: [{ amount: 120 }] })).toBe(30);
    expect(await account.query(balance)).toBe(30);
  });

  it('starts at 0 when given nothing', async () => {
    const { account } = await openAccount('acct-empty');
    expect(await account.query(balance)).toBe(0);
  });

  it('rejects an overdraft and non-positive amounts in the validator, recording nothing', async () => {
    const { account } = await openAccount('acct-rejects', { initialBalance: 10 });
    const before = await account.fetchHistory();

    const overdraft = await rejection(account.executeUpdate(withdraw, { args: [{ amount: 11 }] }));
    expect(overdraft).toBeInstanceOf(WorkflowUpdateRejectedError);
    expect(overdraft!.cause).toMatchObject({ type: 'InsufficientFunds', details: { balance: 10, amount: 11 } });
    for (const amount of [0, -5]) {
      const rejected = await rejection(account.executeUpdate(deposit, { args: [{ amount }] }));
      expect(rejected?.cause).toMatchObject({ type: 'InvalidAmount' });
    }
    // NaN never reaches the validator: JSON cannot carry it, so the payload check refuses the arguments.
    expect(await rejection(account.executeUpdate(deposit, { args: [{ amount: Number.NaN }] }))).toMatchObject({ name: 'PayloadError' });
    expect((await rejection(account.executeUpdate(withdraw, { args: [{} as { amount: number }] })))?.cause).toMatchObject({ type: 'InvalidAmount' });

    expect(await account.fetchHistory()).toEqual(before);
    expect(await account.query(balance)).toBe(10);
  });

  it('applies an update sent twice with the same update id once, and answers both with the same outcome', async () => {
    const { account } = await openAccount('acct-dedupe', { initialBalance: 100 });
    const first = await account.executeUpdate(withdraw, { args: [{ amount: 40 }], updateId: 'w-1' });
    const again = await account.executeUpdate(withdraw, { args: [{ amount: 40 }], updateId: 'w-1' });
    // Concurrent duplicates too: the second waits for the first's recorded outcome.
    const [a, b] = await Promise.all([
      account.executeUpdate(deposit, { args: [{ amount: 5 }], updateId: 'd-1' }),
      account.executeUpdate(deposit, { args: [{ amount: 5 }], updateId: 'd-1' }),
    ]);

    expect([first, again, a, b]).toEqual([60, 60, 65, 65]);
    expect(await account.query(balance)).toBe(65);
    const accepted = (await account.fetchHistory()).flatMap((e) => (e.type === 'UpdateAccepted' ? [e.updateId] : []));
    expect(accepted).toEqual(['w-1', 'd-1']);
  });

  it('keeps its balance when it is evicted and replayed', async () => {
    const { env, account } = await openAccount('acct-replay', { initialBalance: 1 });
    await account.executeUpdate(deposit, { args: [{ amount: 2 }] });
    env.evict();
    expect(await account.query(balance)).toBe(3);
    expect(await account.executeUpdate(withdraw, { args: [{ amount: 3 }] })).toBe(0);
  });

  it('completes with the final balance on close, and refuses updates afterwards', async () => {
    const { env, account } = await openAccount('acct-close', { initialBalance: 20 });
    await env.sleep('400 days'); // an entity waits as long as it takes
    await account.executeUpdate(deposit, { args: [{ amount: 5 }] });
    await account.signal(close);
    expect(await account.result()).toEqual({ status: 'closed', balance: 25 });
    await expect(account.executeUpdate(deposit, { args: [{ amount: 1 }] })).rejects.toMatchObject({ name: 'WorkflowClosedError' });
  });

  it('continues as new with its balance after maxOperationsPerRun operations and a quiet period', async () => {
    const { env, account } = await openAccount('acct-can', { initialBalance: 0, maxOperationsPerRun: 3, quietPeriod: '1 minute' });
    for (const amount of [1, 2, 3]) await account.executeUpdate(deposit, { args: [{ amount }], updateId: `dep-${amount}` });

    // The run waits for a quiet minute before handing over: a retry of the last update still finds its outcome.
    await env.sleep('30s');
    expect(await account.executeUpdate(deposit, { args: [{ amount: 3 }], updateId: 'dep-3' })).toBe(6);
    expect((await account.describe()).runId).toBe(account.runId);
    // Another operation restarts the quiet period.
    expect(await account.executeUpdate(withdraw, { args: [{ amount: 1 }] })).toBe(5);
    await env.sleep('59s');
    expect((await account.describe()).runId).toBe(account.runId);
    await env.sleep('2s');

    const next = await account.describe();
    expect(next.runId).not.toBe(account.runId);
    expect(types(await account.fetchHistory(account.runId)).at(-1)).toBe('WorkflowExecutionContinuedAsNew');
    expect(await account.query(balance)).toBe(5);
    expect(await account.executeUpdate(deposit, { args: [{ amount: 10 }] })).toBe(15);
    await account.signal(close);
    expect(await account.result()).toEqual({ status: 'closed', balance: 15 });
  });
});
