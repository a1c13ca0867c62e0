// The Workflow binding (env.MY_WORKFLOW) on the time-skipping environment: Cloudflare's instance API over Duro's
// executions (docs/decisions/015, "The binding"), checked through what app code sees: statuses, outputs, errors.
import { describe, expect, it } from 'vitest';
import type { WorkflowStep } from 'duro/cloudflare';
import { TestWorkflowEnvironment } from 'duro/testing';
import type { HistoryEvent } from 'duro/workflow';
import { WorkflowEntrypoint as RuntimeWorkflowEntrypoint } from './runtime-entrypoint';
import * as workflows from './workflows';
import type { Env } from './workflows';

async function setup() {
  const env: Env = { GREETING: 'Hello', calls: {} };
  const test = await TestWorkflowEnvironment.create({
    workflows,
    env,
    workflowBindings: { SIGNUP: 'SignupWorkflow', APPROVAL: 'ApprovalWorkflow', FATAL: 'FatalWorkflow', LAUNCHER: 'LauncherWorkflow' },
  });
  return { env, test, bindings: test.env as Required<Env> & Record<string, any> };
}

const rejection = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.message);

describe('create, createBatch and get', () => {
  it('creates an instance under the id given, with params as event.payload, and reports its output once complete', async () => {
    const { test, bindings } = await setup();
    const started = test.now();
    const instance = await bindings.SIGNUP.create({ id: 'signup-ada', params: { email: 'ada@example.com' } });
    expect(instance.id).toBe('signup-ada');
    await test.sleep('1 hour');
    expect(await instance.status()).toEqual({
      status: 'complete',
      output: { user: { id: 'u1', email: 'ada@example.com' }, greeting: 'Hello, ada@example.com', instanceId: 'signup-ada', startedAt: started },
    });
  });

  it('generates an id when none is given, and get() finds the instance by it', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.SIGNUP.create({ params: { email: 'x@y.z' } });
    expect(instance.id).toMatch(/^[0-9a-f-]{36}$/);
    await test.sleep('1 hour');
    const found = await bindings.SIGNUP.get(instance.id);
    expect(found.id).toBe(instance.id);
    expect((await found.status()).status).toBe('complete');
  });

  it('refuses an id already used, running or finished, and an id Cloudflare would refuse', async () => {
    const { test, bindings } = await setup();
    await bindings.SIGNUP.create({ id: 'taken', params: { email: 'a@b.c' } });
    expect(await rejection(bindings.SIGNUP.create({ id: 'taken', params: { email: 'a@b.c' } }))).toBe('(instance.already_exists) Instance with this id already exists');
    await test.sleep('1 hour');
    expect(await rejection(bindings.SIGNUP.create({ id: 'taken' }))).toMatch(/^\(instance\.already_exists\)/);
    expect(await rejection(bindings.SIGNUP.create({ id: 'has space' }))).toBe('(instance.invalid_id) Workflow instance has invalid id');
    expect(await rejection(bindings.SIGNUP.create({ id: 'x'.repeat(101) }))).toMatch(/^\(instance\.invalid_id\)/);
  });

  it('createBatch creates each instance, checks every entry first, and refuses an empty batch', async () => {
    const { test, bindings } = await setup();
    const instances = await bindings.SIGNUP.createBatch([{ id: 'b-1', params: { email: '1@x.y' } }, { id: 'b-2', params: { email: '2@x.y' } }]);
    expect(instances.map((instance: { id: string }) => instance.id)).toEqual(['b-1', 'b-2']);
    expect(await rejection(bindings.SIGNUP.createBatch([]))).toMatch(/^\(body\)/);
    expect(await rejection(bindings.SIGNUP.createBatch([{ id: 'b-3' }, { id: 'bad id' }]))).toMatch(/^\(instance\.invalid_id\)/);
    expect(await rejection(bindings.SIGNUP.get('b-3'))).toBe('(instance.not_found) Instance not found');
    await test.sleep('1 hour');
    expect((await (await bindings.SIGNUP.get('b-2')).status()).output).toMatchObject({ greeting: 'Hello, 2@x.y' });
  });

  it('createBatch({ count, params }) creates that many with generated ids; createBatch({ instances }) reports each refusal by position', async () => {
    const { test, bindings } = await setup();
    const counted = await bindings.SIGNUP.createBatch({ count: 3, params: { email: 'n@x.y' } });
    expect([counted.created.length, counted.errors]).toEqual([3, []]);
    expect(new Set(counted.created.map((instance: { id: string }) => instance.id)).size).toBe(3);

    await bindings.SIGNUP.create({ id: 'taken', params: { email: 't@x.y' } });
    const listed = await bindings.SIGNUP.createBatch({ instances: [{ id: 'i-1', params: { email: '1@x.y' } }, { id: 'taken' }, { id: 'bad id' }, { id: 'i-2', params: { email: '2@x.y' } }] });
    expect(listed.created.map((instance: { id: string }) => instance.id)).toEqual(['i-1', 'i-2']);
    expect(listed.errors).toEqual([
      { index: 1, id: 'taken', code: 'instance.already_exists', message: 'Instance with this id already exists' },
      { index: 2, id: 'bad id', code: 'instance.invalid_id', message: 'Workflow instance has invalid id' },
    ]);
    await test.sleep('1 hour');
    expect((await (await bindings.SIGNUP.get('i-2')).status()).output).toMatchObject({ greeting: 'Hello, 2@x.y' });
    expect((await counted.created[0]!.status()).output).toMatchObject({ greeting: 'Hello, n@x.y' });

    for (const malformed of [{ count: 0 }, { count: 101 }, { count: 2, instances: [] }, {}, { instances: [] }]) {
      expect(await rejection(bindings.SIGNUP.createBatch(malformed as never))).toMatch(/^\(body\)/);
    }
  });

  it('get() of an id never created rejects with instance.not_found', async () => {
    const { bindings } = await setup();
    expect(await rejection(bindings.SIGNUP.get('nobody'))).toBe('(instance.not_found) Instance not found');
  });
});

describe('status', () => {
  it('is waiting while the instance sleeps, then complete', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.SIGNUP.create({ params: { email: 'a@b.c' } });
    await test.sleep('1 minute');
    expect(await instance.status()).toEqual({ status: 'waiting' });
    await test.sleep('1 hour');
    expect((await instance.status()).status).toBe('complete');
  });

  it('is errored with the error\'s name and message when run throws', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.FATAL.create({ params: {} });
    await test.sleep('1 second');
    expect(await instance.status()).toEqual({ status: 'errored', error: { name: 'NonRetryableError', message: 'card declined' } });
  });
});

describe('pause, resume, terminate and restart', () => {
  it('pause holds the instance\'s timers until resume', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.SIGNUP.create({ params: { email: 'a@b.c' } });
    await test.sleep('1 minute');
    await instance.pause();
    expect(await instance.status()).toEqual({ status: 'paused' });
    await test.sleep('2 hours');
    expect((await instance.status()).status).toBe('paused');
    await instance.resume();
    await test.sleep('1 second');
    expect((await instance.status()).status).toBe('complete');
    await instance.resume(); // nothing to resume: no error, as Cloudflare's local engine
  });

  it('terminate stops the instance; a finished instance cannot be terminated', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.SIGNUP.create({ params: { email: 'a@b.c' } });
    await instance.terminate();
    expect(await instance.status()).toEqual({ status: 'terminated' });
    await test.sleep('2 hours');
    expect((await instance.status()).status).toBe('terminated');
    expect(await rejection(instance.terminate())).toBe('(instance.cannot_terminate) Cannot terminate instance since its on a finite state');
  });

  it('restart runs the instance again from the start with the params it was created with, running or finished', async () => {
    const { env, test, bindings } = await setup();
    const instance = await bindings.APPROVAL.create({ id: 'approval-r', params: { timeout: '1 hour' } });
    await test.sleep('5 minutes');
    await instance.restart();
    await test.sleep('11 minutes');
    expect(env.calls['request approval']).toBe(2);
    expect(await instance.status()).toEqual({ status: 'waiting' });
    await test.sleep('2 hours'); // the params' 1-hour timeout: the restarted run had them
    expect(await instance.status()).toEqual({ status: 'errored', error: { name: 'WorkflowTimeoutError', message: 'Execution timed out after 3600000ms' } });
    await instance.restart();
    await test.sleep('11 minutes');
    expect(env.calls['request approval']).toBe(3);
    await instance.sendEvent({ type: 'approval', payload: { approved: true } });
    expect((await instance.status()).output).toMatchObject({ approved: true, type: 'approval' });
  });
});

describe('when a step is committed', () => {
  it('a step that waited on I/O is committed before the next step\'s callback starts; quick steps after it commit together', async () => {
    const seenByLater: Record<string, string[]> = {};
    let history: () => Promise<HistoryEvent[]> = async () => [];
    const recordedSteps = async () => (await history()).flatMap((event) => (event.type === 'MarkerRecorded' && event.markerName === 'LocalActivity' ? [(event.data as { activityType: string }).activityType] : []));
    const { WorkflowEntrypoint } = await import('duro/cloudflare');
    class IoThenQuickWorkflow extends WorkflowEntrypoint {
      async run(_event: unknown, step: WorkflowStep) {
        await step.do('fetch', async () => new Promise((resolve) => setTimeout(() => resolve('fetched'), 20)));
        await step.do('save', async () => void (seenByLater.save = await recordedSteps()));
        await step.do('compute', async () => 42);
        return 'done';
      }
    }
    const test = await TestWorkflowEnvironment.create({ workflows: { IoThenQuickWorkflow } });
    const handle = await test.start('IoThenQuickWorkflow', { workflowId: 'io-then-quick' });
    history = () => handle.fetchHistory();
    expect(await handle.result()).toBe('done');
    // 'save' started once 'fetch' was committed: the history it read holds fetch's marker.
    expect(seenByLater.save).toEqual(['fetch']);
    const types = (await handle.fetchHistory()).map((event) => event.type);
    expect(types).toEqual([
      'WorkflowExecutionStarted', 'WorkflowTaskCompleted', // fetch runs
      'MarkerRecorded', 'WorkflowTaskCompleted', // fetch recorded; save waits for this commit
      'MarkerRecorded', 'MarkerRecorded', 'WorkflowExecutionCompleted', // save and compute, quick, recorded together
    ]);
  });
});

describe('restart({ from })', () => {
  async function threeSteps() {
    const calls: string[] = [];
    const { WorkflowEntrypoint } = await import('duro/cloudflare');
    class ThreeStepsWorkflow extends WorkflowEntrypoint {
      async run(_event: unknown, step: WorkflowStep) {
        await step.do('a', async () => void calls.push('a'));
        await step.sleep('pause', '1 minute');
        await step.do('b', async () => void calls.push('b'));
        await step.sleep('pause', '1 minute');
        await step.do('c', async () => void calls.push('c'));
        return 'done';
      }
    }
    const test = await TestWorkflowEnvironment.create({ workflows: { ThreeStepsWorkflow }, workflowBindings: { THREE: 'ThreeStepsWorkflow' } });
    const binding = (test.env as Record<string, any>).THREE;
    const instance = await binding.create({ id: 'three' });
    await test.sleep('5 minutes');
    expect([calls, await instance.status()]).toEqual([['a', 'b', 'c'], { status: 'complete', output: 'done' }]);
    return { test, instance, calls };
  }

  it('runs the step named and those after it again; the steps before keep their results', async () => {
    const { test, instance, calls } = await threeSteps();
    await instance.restart({ from: { name: 'c' } });
    await test.sleep('5 minutes');
    expect(calls).toEqual(['a', 'b', 'c', 'c']);
    await instance.restart({ from: { name: 'b', type: 'do' } });
    await test.sleep('5 minutes');
    expect(calls).toEqual(['a', 'b', 'c', 'c', 'b', 'c']);
    expect(await instance.status()).toEqual({ status: 'complete', output: 'done' });
  });

  it('goes back to the activation the step started in: a sleep started with a quick step runs that step again', async () => {
    const { test, instance, calls } = await threeSteps();
    await instance.restart({ from: { name: 'pause', type: 'sleep', count: 2 } }); // started in b's activation
    await test.sleep('5 minutes');
    expect(calls).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  it('from the first step is a restart from the start; a step the run never started is refused', async () => {
    const { test, instance, calls } = await threeSteps();
    expect(await rejection(instance.restart({ from: { name: 'd' } }))).toBe("(step.not_found) The instance has no step do 'd' (occurrence 1)");
    expect(await rejection(instance.restart({ from: { name: 'pause', type: 'sleep', count: 3 } }))).toMatch(/^\(step\.not_found\)/);
    expect(await rejection(instance.restart({ from: { name: 'a', type: 'nap' } }))).toBe('(body) Provided restart step is invalid');
    await instance.restart({ from: { name: 'a' } });
    await test.sleep('5 minutes');
    expect(calls).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });
});

describe('sendEvent', () => {
  it('an event sent before its waitForEvent waits for it', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.APPROVAL.create({ params: {} });
    await test.sleep('1 minute'); // still in "give them time"
    const sentAt = test.now();
    await instance.sendEvent({ type: 'approval', payload: { approved: true } });
    await test.sleep('10 minutes');
    expect(await instance.status()).toEqual({ status: 'complete', output: { approved: true, type: 'approval', at: sentAt } });
  });

  it('an event sent during waitForEvent resumes it at once; an event of another type does not', async () => {
    const { test, bindings } = await setup();
    const instance = await bindings.APPROVAL.create({ params: {} });
    await test.sleep('11 minutes');
    await instance.sendEvent({ type: 'other', payload: 1 });
    expect((await instance.status()).status).toBe('waiting');
    await instance.sendEvent({ type: 'approval', payload: { approved: false } });
    expect(await instance.status()).toEqual({ status: 'complete', output: { approved: false, type: 'approval', at: test.now() } });
    expect(await rejection(instance.sendEvent({ type: 'approval', payload: {} }))).toMatch(/^\(instance\.finished\)/);
  });
});

describe('bindings in workflows and classes extending the runtime\'s WorkflowEntrypoint', () => {
  it('reaches workflows as this.env: one workflow creates another through its binding', async () => {
    const { test, bindings } = await setup();
    const launcher = await bindings.LAUNCHER.create({ id: 'launcher-1', params: { email: 'kid@x.y' } });
    await test.sleep('1 second');
    expect(await launcher.status()).toEqual({ status: 'complete', output: { launched: 'signup-of-launcher-1' } });
    await test.sleep('1 hour');
    expect((await (await bindings.SIGNUP.get('signup-of-launcher-1')).status()).output).toMatchObject({ greeting: 'Hello, kid@x.y' });
  });

  it('registers a class whose base is the runtime\'s WorkflowEntrypoint: its constructor and fields run, this.env and instanceof hold', async () => {
    const constructed: string[] = [];
    class Counted extends RuntimeWorkflowEntrypoint<{ GREETING: string }, { name: string }> {
      readonly greeting = `${this.env.GREETING} from a field`;
      constructor(ctx: never, env: { GREETING: string }) {
        super(ctx, env);
        constructed.push('Counted');
      }
      async run(event: { payload: { name: string } }, step: WorkflowStep) {
        const line = await step.do('greet', async () => `${this.greeting}, ${event.payload.name}`);
        return { line, isRuntimeEntrypoint: this instanceof RuntimeWorkflowEntrypoint, waitUntil: typeof (this.ctx as { waitUntil?: unknown }).waitUntil };
      }
    }
    const test = await TestWorkflowEnvironment.create({ workflows: { Counted }, env: { GREETING: 'Hi' }, workflowBindings: { COUNTED: 'Counted' } });
    const instance = await test.env.COUNTED.create({ params: { name: 'Ada' } });
    await test.sleep('1 second');
    expect(await instance.status()).toEqual({ status: 'complete', output: { line: 'Hi from a field, Ada', isRuntimeEntrypoint: true, waitUntil: 'function' } });
    expect(constructed).toEqual(['Counted']);
    // Its own constructor stays the runtime's once Duro has constructed it.
    expect(() => new Counted({} as never, { GREETING: 'x' })).toThrow(/not of type 'ExecutionContext'/);
  });
});

describe('terminate({ rollback: true })', () => {
  it('runs the rollbacks of the steps that started, last first, and the instance reads terminated', async () => {
    const rollbackWorkflows = await import('./rollback-workflows');
    const env: import('./rollback-workflows').Env = { GREETING: 'Hello', calls: {}, rolledBack: [] };
    const test = await TestWorkflowEnvironment.create({ workflows: rollbackWorkflows, env, workflowBindings: { TRANSFER: 'TransferWorkflow' } });
    const bindings = test.env as Record<string, any>;
    const instance = await bindings.TRANSFER.create({ id: 'transfer-1', params: {} });
    await test.sleep('1 minute'); // in its hour-long settle sleep
    expect((await instance.status()).status).toBe('waiting');
    await instance.terminate({ rollback: true });
    await test.sleep('1 minute');
    expect((await instance.status()).status).toBe('terminated');
    expect(env.rolledBack.map((entry) => entry.step.name)).toEqual(['credit', 'debit']);
    expect(env.rolledBack[0]!.error).toMatch(/^Terminated/);
  });

  it('without rollback terminates at once and runs no rollback', async () => {
    const rollbackWorkflows = await import('./rollback-workflows');
    const env: import('./rollback-workflows').Env = { GREETING: 'Hello', calls: {}, rolledBack: [] };
    const test = await TestWorkflowEnvironment.create({ workflows: rollbackWorkflows, env, workflowBindings: { TRANSFER: 'TransferWorkflow' } });
    const instance = await (test.env as Record<string, any>).TRANSFER.create({ id: 'transfer-2', params: {} });
    await test.sleep('1 minute');
    await instance.terminate();
    expect((await instance.status()).status).toBe('terminated');
    expect(env.rolledBack).toEqual([]);
  });
});

describe('the binding while a step runs', () => {
  /** A workflow whose first step's callback runs until the test lets it finish. */
  async function slowStepSetup() {
    let finishStep!: () => void;
    const stepDone = new Promise<void>((resolve) => (finishStep = resolve));
    const secondSteps: string[] = [];
    const { WorkflowEntrypoint } = await import('duro/cloudflare');
    class SlowStepWorkflow extends WorkflowEntrypoint {
      async run(event: { instanceId: string }, step: WorkflowStep) {
        const first = await step.do('slow step', async () => (await stepDone, 'done'));
        await step.do('second step', async () => void secondSteps.push(event.instanceId));
        const go = await step.waitForEvent<{ by: string }>('go', { type: 'go', timeout: '1 hour' });
        return `${first}, go from ${go.payload.by}`;
      }
    }
    const test = await TestWorkflowEnvironment.create({ workflows: { SlowStepWorkflow }, workflowBindings: { SLOW: 'SlowStepWorkflow' } });
    return { binding: (test.env as Record<string, any>).SLOW, test, finishStep, secondSteps };
  }
  const within = <T>(promise: Promise<T>) => Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000))]);

  it('create, get, status and sendEvent answer at once, running, instead of waiting for the step\'s callback', async () => {
    const { binding, test, finishStep } = await slowStepSetup();
    const instance = await within<{ status(): Promise<unknown>; sendEvent(event: unknown): Promise<void> }>(binding.create({ id: 'slow-1' }));
    expect(await within(instance.status())).toEqual({ status: 'running' });
    expect(await within(binding.get('slow-1'))).toMatchObject({ id: 'slow-1' });
    await within(instance.sendEvent({ type: 'go', payload: { by: 'ada' } })); // recorded now, taken by waitForEvent later
    finishStep();
    await test.sleep('1 second');
    expect(await instance.status()).toEqual({ status: 'complete', output: 'done, go from ada' });
  });

  it('pause takes effect once the running step ends: the next step waits for resume', async () => {
    const { binding, test, finishStep, secondSteps } = await slowStepSetup();
    const instance = await binding.create({ id: 'slow-2' });
    await within(instance.pause());
    expect(await instance.status()).toEqual({ status: 'paused' });
    finishStep();
    await test.sleep('1 hour');
    expect(secondSteps).toEqual([]);
    expect(await instance.status()).toEqual({ status: 'paused' });
    await instance.resume();
    await test.sleep('1 second');
    expect(secondSteps).toEqual(['slow-2']);
    expect(await instance.status()).toEqual({ status: 'waiting' });
  });

  it('terminate answers at once and ends the instance; the step\'s outcome is dropped', async () => {
    const { binding, test, finishStep, secondSteps } = await slowStepSetup();
    const instance = await binding.create({ id: 'slow-3' });
    await within(instance.terminate());
    expect(await instance.status()).toEqual({ status: 'terminated' });
    finishStep();
    await test.sleep('1 second');
    expect(secondSteps).toEqual([]);
    expect(await instance.status()).toEqual({ status: 'terminated' });
  });
});
