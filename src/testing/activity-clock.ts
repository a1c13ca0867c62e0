// The clock an activity attempt sleeps on in the test environment. Virtual time moves only while the test awaits
// something (a result, env.sleep), and then, while an attempt runs, as fast as real time. So that an activity the test
// merely watches (polling describe for its heartbeats) still moves on, its `sleep` and a local attempt's deadline also
// end after as much real time while the test awaits nothing, as in Temporal's time-skipping server.
import type { HostClock } from '../core/activity-execution';
import type { VirtualClock } from './virtual-clock';

/** `awaiting()`: whether the test awaits the environment now (it then moves the virtual clock itself). */
export function activityClock(clock: VirtualClock, awaiting: () => boolean): HostClock {
  return {
    now: () => clock.now(),
    setTimer(at, fire) {
      let done = false;
      let real: ReturnType<typeof setTimeout> | undefined;
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
      const armReal = () => {
        real = setTimeout(() => (awaiting() ? armReal() : once()), Math.max(1, at - clock.now()));
        // A long sleep left behind by a finished test must not keep Node running.
        (real as { unref?: () => void }).unref?.();
      };
      const cancelVirtual = clock.setTimer(at, once);
      armReal();
      return stop;
    },
  };
}
