// Fan-out/fan-in: a parent splits a large job into child workflows, each child runs its tasks as activities
// with a bounded number in flight, partial failures are counted rather than fatal, and the parent sums.
import { ActivityFailure, ApplicationFailure, Limits, defineWorkflow, type ActivityContext } from 'duro/workflow';

export interface FanOutInput {
  /** Child workflows to start. Default 10. */
  children?: number;
  /** Tasks each child runs. Default 10. 1000 × 1000 is a million tasks. */
  tasksPerChild?: number;
  /** A task whose id is a multiple of this fails (non-retryably). Default: no task fails. */
  failEvery?: number;
  /** Activities in flight at once in each child. Default 10. */
  concurrency?: number;
}

export interface FanOutResult {
  succeeded: number;
  failed: number;
  /** Ids of the children that failed as a whole; all their tasks are counted in `failed`. */
  failedChildren: string[];
}

export interface FanOutChildInput {
  /** The id of the child's first task; it runs `tasks` consecutive ids. */
  firstTaskId: number;
  tasks: number;
  failEvery?: number;
  concurrency: number;
}

/** Counts only: a child's result stays a few bytes whether it runs ten tasks or a thousand. */
export interface FanOutChildResult {
  succeeded: number;
  failed: number;
}

export const fanOutActivities = {
  /** One unit of work. A stand-in for a real call: it must be idempotent, as any activity (it has no effect here). */
  async fanOutTask(input: { taskId: number; failEvery?: number }, _ctx: ActivityContext): Promise<{ taskId: number }> {
    if (input.failEvery && input.taskId % input.failEvery === 0) {
      throw ApplicationFailure.nonRetryable(`task ${input.taskId} failed (a multiple of ${input.failEvery})`, 'TaskFailed', { taskId: input.taskId });
    }
    return { taskId: input.taskId };
  },
};

/** Runs `tasks` tasks, at most `concurrency` activities at once; failed tasks are counted, not thrown. */
export const fanOutChild = defineWorkflow('fanOutChild', async (ctx, input: FanOutChildInput): Promise<FanOutChildResult> => {
  const { fanOutTask } = ctx.proxyActivities<typeof fanOutActivities>({
    startToCloseTimeout: '1m',
    retry: { initialInterval: '1s', maximumAttempts: 3 },
  });
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  // `concurrency` lanes pull the next task when their previous one settles. Completions arrive in the order
  // history recorded them, so replay takes the same tasks in the same lanes: the bound is deterministic.
  const lane = async () => {
    while (next < input.tasks) {
      const taskId = input.firstTaskId + next++;
      try {
        await fanOutTask({ taskId, ...(input.failEvery !== undefined && { failEvery: input.failEvery }) });
        succeeded++;
      } catch (error) {
        // A cancelled child must end cancelled, not report its tasks as failed.
        if (!(error instanceof ActivityFailure) || ctx.cancellationScope.consideredCancelled) throw error;
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency, input.tasks) }, lane));
  return { succeeded, failed };
});

/**
 * A task costs a child about 3.2 history events (scheduled, started, closed, a share of the activations): 5 000 tasks
 * stay well under the 50 000-event maximum (fan-out.test.ts measures 1 000). More work means more children.
 */
const MAX_TASKS_PER_CHILD = 5_000;

/** Splits `children × tasksPerChild` tasks over child workflows and sums what they report. */
export const fanOut = defineWorkflow('fanOut', async (ctx, input: FanOutInput = {}): Promise<FanOutResult> => {
  const children = checkCount('children', input.children ?? 10, Limits.maxPendingChildren);
  const tasksPerChild = checkCount('tasksPerChild', input.tasksPerChild ?? 10, MAX_TASKS_PER_CHILD);
  const concurrency = checkCount('concurrency', input.concurrency ?? 10, Limits.maxPendingActivities);
  const { workflowId } = ctx.info();
  let succeeded = 0;
  let failed = 0;
  const failedChildren: string[] = [];
  // Every child is started at once: the parent holds `children` pending children (at most 2 000, the engine's
  // limit), each child holds its own tasks, so neither history grows with the product children × tasks.
  await Promise.all(Array.from({ length: children }, async (_, index) => {
    const childId = `${workflowId}-child-${index + 1}`; // from the parent id: re-derived identically on replay
    try {
      const summary = await ctx.executeChild(fanOutChild, {
        workflowId: childId,
        input: { firstTaskId: index * tasksPerChild + 1, tasks: tasksPerChild, concurrency, ...(input.failEvery !== undefined && { failEvery: input.failEvery }) },
      });
      succeeded += summary.succeeded;
      failed += summary.failed;
    } catch (error) {
      if (ctx.cancellationScope.consideredCancelled) throw error;
      // The parent cannot know which of a failed child's tasks ran: count them all as failed, and say which child.
      failed += tasksPerChild;
      failedChildren.push(childId);
    }
  }));
  return { succeeded, failed, failedChildren: failedChildren.sort(byChildNumber) };
});

function checkCount(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw ApplicationFailure.nonRetryable(`${name} must be an integer from 1 to ${max}, not ${value}`, 'InvalidInput');
  }
  return value;
}

function byChildNumber(a: string, b: string): number {
  return Number(a.slice(a.lastIndexOf('-') + 1)) - Number(b.slice(b.lastIndexOf('-') + 1));
}
