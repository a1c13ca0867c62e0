// An entity workflow: one bank account per workflow id, alive until it is closed. Deposits and withdrawals are
// updates (validated, recorded, answered with the new balance); the same update id sent twice applies once.
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate, defineWorkflow, type Duration } from 'duro/workflow';

export interface BankAccountInput {
  /** Default 0. */
  initialBalance?: number;
  /** Operations (accepted updates) per run before the account continues as new. Default 1000. */
  maxOperationsPerRun?: number;
  /** How long the account must see no operation before it continues as new. Default 1 minute. */
  quietPeriod?: Duration;
}

export interface Amount {
  amount: number;
}

export interface AccountClosed {
  status: 'closed';
  balance: number;
}

/** `{"args":[{"amount":100}]}` → the new balance. */
export const deposit = defineUpdate<number, [Amount]>('deposit');
/** `{"args":[{"amount":30}]}` → the new balance; rejected (nothing recorded) when it would overdraw. */
export const withdraw = defineUpdate<number, [Amount]>('withdraw');
export const balance = defineQuery<number>('balance');
/** Ends the account: the run completes with the final balance. */
export const close = defineSignal('close');

function checkAmount(request: Amount | undefined): number {
  const amount = request?.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
    throw ApplicationFailure.nonRetryable(`amount must be a positive number, not ${JSON.stringify(amount)}`, 'InvalidAmount');
  }
  return amount;
}

export const bankAccount = defineWorkflow('bankAccount', async (ctx, input: BankAccountInput = {}): Promise<AccountClosed> => {
  let current = input.initialBalance ?? 0;
  if (!Number.isFinite(current) || current < 0) throw ApplicationFailure.nonRetryable(`initialBalance must be 0 or more, not ${current}`, 'InvalidAmount');
  const maxOperations = input.maxOperationsPerRun ?? 1000;
  const quietPeriod = input.quietPeriod ?? '1 minute';
  let operations = 0;
  let closed = false;

  const open = () => {
    if (closed) throw ApplicationFailure.nonRetryable('the account is closed', 'AccountClosed');
  };
  // Validators are synchronous and read-only: a rejected update is answered 400 and leaves no trace in history.
  ctx.setHandler(deposit, (request) => {
    operations++;
    return (current += request.amount);
  }, {
    validator: (request) => {
      open();
      checkAmount(request);
    },
  });
  ctx.setHandler(withdraw, (request) => {
    operations++;
    return (current -= request.amount);
  }, {
    validator: (request) => {
      open();
      const amount = checkAmount(request);
      if (amount > current) throw ApplicationFailure.nonRetryable(`insufficient funds: balance ${current}, withdrawal ${amount}`, 'InsufficientFunds', { balance: current, amount });
    },
  });
  ctx.setHandler(balance, () => current);
  ctx.setHandler(close, () => void (closed = true));

  // An entity lives for as long as the account does, so each run hands over to a fresh one to keep history bounded.
  await ctx.condition(() => closed || operations >= maxOperations || ctx.info().continueAsNewSuggested);
  // A quiet spell before handing over keeps a burst of operations in one run. (A client that retries an update
  // after the hand-over gets the outcome first recorded: each run hands its update ids to the next.)
  while (!closed && !ctx.info().continueAsNewSuggested) {
    const seen = operations;
    const busy = await ctx.condition(() => closed || operations !== seen, quietPeriod);
    if (!busy) break;
  }
  if (closed) return { status: 'closed', balance: current };
  return ctx.continueAsNew({ ...input, initialBalance: current } satisfies BankAccountInput);
});
