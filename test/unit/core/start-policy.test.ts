// Id reuse and conflict policies, decided once for every host.
import { describe, expect, it } from 'vitest';
import { decideStart } from '../../../src/core/start-policy';

const running = { runId: 'r1', status: 'running' as const };
const req = (extra: object = {}) => ({ workflowId: 'w', ...extra });

describe('decideStart', () => {
  it('starts a new id, and refuses a running one by default', () => {
    expect(decideStart(undefined, req())).toEqual({ action: 'start' });
    expect(decideStart(running, req())).toMatchObject({ action: 'refuse', runId: 'r1' });
  });

  it('applies the conflict policy to a running run', () => {
    expect(decideStart(running, req({ idConflictPolicy: 'useExisting' }))).toEqual({ action: 'useExisting', runId: 'r1' });
    expect(decideStart(running, req({ idConflictPolicy: 'terminateExisting' }))).toEqual({ action: 'terminateThenStart', runId: 'r1' });
    expect(decideStart(running, req({ idReusePolicy: 'terminateIfRunning' }))).toEqual({ action: 'terminateThenStart', runId: 'r1' });
  });

  it('applies the reuse policy to a closed run', () => {
    const completed = { runId: 'r1', status: 'completed' as const };
    const failed = { runId: 'r1', status: 'failed' as const };
    expect(decideStart(completed, req())).toEqual({ action: 'start' });
    expect(decideStart(completed, req({ idReusePolicy: 'rejectDuplicate' }))).toMatchObject({ action: 'refuse' });
    expect(decideStart(completed, req({ idReusePolicy: 'allowDuplicateFailedOnly' }))).toMatchObject({ action: 'refuse' });
    expect(decideStart(failed, req({ idReusePolicy: 'allowDuplicateFailedOnly' }))).toEqual({ action: 'start' });
  });

  it('answers a parent re-sending its child start with the run it already started, open or closed', () => {
    const parent = { workflowId: 'p', runId: 'pr', seq: 3 };
    expect(decideStart({ ...running, parent }, req({ parent }))).toEqual({ action: 'useExisting', runId: 'r1' });
    expect(decideStart({ runId: 'r1', status: 'completed', parent }, req({ parent, idReusePolicy: 'rejectDuplicate' }))).toEqual({ action: 'useExisting', runId: 'r1' });
    // The child continued as new before the re-sent start arrived: the answer still names the run first started.
    expect(decideStart({ runId: 'r3', status: 'running', parent, firstRunId: 'r1' }, req({ parent }))).toEqual({ action: 'useExisting', runId: 'r1' });
  });
});
