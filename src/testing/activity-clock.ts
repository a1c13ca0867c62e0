// The clock an activity attempt sleeps on in the test environment. Virtual time moves only while the test awaits
// something (a result, env.sleep), and then, while an attempt runs, as fast as real time. So that an activity the test
// merely watches (polling describe for its heartbeats) still moves on, its `sleep` and a local attempt's deadline also
// end after as much real time while the test awaits nothing, as in Temporal's time-skipping server.
import type { HostClock } from '../core/activity-execution';
import type { VirtualClock } from './virtual-clock';

/** The longest delay `setTimeout` takes as it is (Node fires a longer one after 1 ms). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** While the test awaits, the virtual clock fires the timer: the real one only looks again this often. */
const AWAITING_RECHECK_MS = 50;

/** `awaiting()`: whether the test awaits the environment now (it then moves the virtual clock itself). */
export function activityClock(clock: VirtualClock, awaiting: () => boolean): HostClock {
  return {
    now: () => clock.now(),
    setTimer(at, fire) {
      let done = false;
      let real: ReturnType<typeof setTimeout> | undefined;
      const realDeadline = Date.now() + Math.max(0, at - clock.now());
      const stop = () => {
        done = true;
        cancelVirtual();
        clearTimeout(real);
      };
      const once = () => {
        if (done) return;
        stop();
        fire();
      };
      const armReal = (ms: number) => {
        real = setTimeout(onReal, Math.min(MAX_TIMEOUT_MS, Math.max(1, ms)));
        // A long sleep left behind by a finished test must not keep Node running.
        (real as { unref?: () => void }).unref?.();
      };
      const onReal = () => {
        const left = realDeadline - Date.now();
        if (awaiting()) armReal(Math.max(AWAITING_RECHECK_MS, left));
        else if (left > 0) armReal(left);
        else once();
      };
      const cancelVirtual = clock.setTimer(at, once);
      armReal(realDeadline - Date.now());
      return stop;
    },
  };
}
