// duro/temporal/common and the Runtime/DefaultLogger of duro/temporal/worker: what Temporal code imports from
// @temporalio/common, and calls in a test's setup, is there.
import { describe, expect, it, vi } from 'vitest';
import { ApplicationFailure, CancelledFailure, ParentClosePolicy, TemporalFailure, isCancellation, type RetryPolicy } from 'duro/temporal/common';
import { ApplicationFailure as WorkflowApplicationFailure } from 'duro/temporal/workflow';
import { DefaultLogger, Runtime } from 'duro/temporal/worker';

describe('duro/temporal/common', () => {
  it('gives the same failure classes as duro/temporal/workflow, and the option types and enums', () => {
    const failure = ApplicationFailure.nonRetryable('declined', 'PaymentDeclined');
    expect(failure).toBeInstanceOf(WorkflowApplicationFailure);
    expect(failure).toBeInstanceOf(TemporalFailure);
    expect(isCancellation(new CancelledFailure('stop'))).toBe(true);
    expect(ParentClosePolicy.ABANDON).toBe('ABANDON');
    const retry: RetryPolicy = { maximumAttempts: 3, initialInterval: '1 second' };
    expect(retry.maximumAttempts).toBe(3);
  });
});

describe('Runtime and DefaultLogger', () => {
  it('take Temporal\'s setup call and log at the level asked and above', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const runtime = Runtime.install({ logger: new DefaultLogger('WARN') });
    runtime.logger.info('not shown');
    runtime.logger.warn('shown', { n: 1 });
    expect(log).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('[WARN] shown', { n: 1 });
    expect(Runtime.instance()).toBe(runtime);
    vi.restoreAllMocks();
  });
});
