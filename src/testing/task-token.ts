// Task tokens of the test environment.
import type { ActivityTask } from '../core/internals';

/** The test environment's task token: not secret (nothing leaves the process), bound to one attempt. */
export function testTaskToken(task: Pick<ActivityTask, 'workflowId' | 'runId' | 'activityId' | 'attempt'>): string {
  return JSON.stringify([task.workflowId, task.runId, task.activityId, task.attempt]);
}
