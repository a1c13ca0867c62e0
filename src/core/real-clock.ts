// The clock of hosts that run in real time (the Durable Object, a browser tab): Date.now() and one timer queue.
import type { HostClock } from './activity-execution';
import { TimerQueue } from './timer-queue';

/**
 * A real-time clock for one host. One per host object, never shared between Durable Objects: a timer callback runs
 * in the context of the object that armed the host timer.
 */
export function createRealClock(): HostClock {
  const timers = new TimerQueue();
  return {
    now: () => Date.now(),
    setTimer: (at, fire) => timers.schedule(at, fire),
  };
}
