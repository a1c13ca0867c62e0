// The execution object's one alarm (durable-objects/alarm-keeper.ts): how soon it comes back while something only
// an alarm would retry is owed, and that an alarm already set soon enough is kept rather than written again
// (each setAlarm is a write, billed as a row).
import { describe, expect, it } from 'vitest';
import { AlarmKeeper, OUTBOX_RETRY_MAX_MS, OUTBOX_RETRY_MS } from '../../../durable-objects/alarm-keeper';
import type { WorkflowRun } from '../../../src/core/internals';

const HOUR = 3_600_000;

/** The storage calls the keeper makes, recorded; the alarm as stored. */
function fakeStorage() {
  const writes: number[] = [];
  const reads: number[] = [];
  let alarm: number | null = null;
  const storage = {
    getAlarm: async () => {
      reads.push(Date.now());
      return alarm;
    },
    setAlarm: async (at: number) => {
      writes.push(at);
      alarm = at;
    },
    deleteAlarm: async () => {
      alarm = null;
    },
  } as unknown as DurableObjectStorage;
  return { storage, writes, reads, lose: () => void (alarm = null) };
}

/** A loaded run: open with a local attempt running here, or closed. */
function run(open: boolean): WorkflowRun {
  const state = { status: open ? 'running' : 'completed', activities: {}, children: {}, externals: {}, ...(open && { localAttempts: {} }) };
  return { isClosed: !open, state } as unknown as WorkflowRun;
}

function keeper(options: { runs: WorkflowRun[]; unsent: boolean; deadline?: number }) {
  const { storage, writes, reads, lose } = fakeStorage();
  const alarm = new AlarmKeeper({ storage, earliestDeadline: () => options.deadline, runs: () => options.runs, visibilityUnsent: () => options.unsent });
  return { alarm, writes, reads, lose, options };
}

describe('AlarmKeeper', () => {
  it('comes back within the outbox retry while Visibility rows wait, when no alarm is set', async () => {
    const { alarm, writes } = keeper({ runs: [run(false)], unsent: true, deadline: Date.now() + HOUR });
    await alarm.rearm();
    expect(writes).toHaveLength(1);
    expect(writes[0]! - Date.now()).toBeLessThanOrEqual(OUTBOX_RETRY_MS);
  });

  it('keeps the in-flight check a short run set at its start for the rows its close left waiting: no second write', async () => {
    const runs = [run(true)];
    const { alarm, writes, options } = keeper({ runs, unsent: false, deadline: Date.now() + HOUR });
    await alarm.rearm(); // the start: a local attempt runs here
    expect(writes).toHaveLength(1);
    const inFlightCheck = writes[0]!;
    // The close: the attempt is done, the run's record waits for its delivery.
    runs[0] = run(false);
    options.unsent = true;
    await alarm.rearm();
    expect(writes).toEqual([inFlightCheck]);
    // Delivered: back to the next real deadline.
    options.unsent = false;
    await alarm.rearm();
    expect(writes).toEqual([inFlightCheck, options.deadline]);
  });

  it('reads the stored alarm back on every request but the first after loading, which just read it', async () => {
    const deadline = Date.now() + HOUR;
    const { alarm, writes, reads, lose } = keeper({ runs: [], unsent: false, deadline });
    await alarm.load();
    expect(reads).toHaveLength(1);
    expect(writes).toEqual([deadline]);
    alarm.check(); // the request that made the instance: nothing read again
    expect(reads).toHaveLength(1);
    lose(); // the platform lost it: the next request reads it back and re-arms
    alarm.check();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(reads).toHaveLength(2);
    expect(writes).toEqual([deadline, deadline]);
  });

  it('waits twice as long after each delivery that failed in a row, at most five minutes, and 2 s again after one succeeds', async () => {
    const { alarm, writes } = keeper({ runs: [run(false)], unsent: true, deadline: Date.now() + HOUR });
    const waits: number[] = [];
    for (let failures = 1; failures <= 10; failures++) {
      alarm.fired(); // the alarm came, sent again, and the delivery failed
      alarm.deliveryFailed();
      const before = Date.now();
      await alarm.rearm();
      waits.push(Math.round((writes.at(-1)! - before) / 1000));
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    expect(OUTBOX_RETRY_MAX_MS).toBe(300_000);
    alarm.deliverySucceeded();
    alarm.fired();
    await alarm.rearm();
    expect(writes.at(-1)! - Date.now()).toBeLessThanOrEqual(OUTBOX_RETRY_MS);
  });
});
