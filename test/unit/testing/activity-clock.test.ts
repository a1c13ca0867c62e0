// The clock activities sleep on in the time-skipping environment (src/testing/activity-clock.ts): virtual time while
// the test awaits, real time while it does not, and never early.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { activityClock } from '../../../src/testing/activity-clock';
import { VirtualClock } from '../../../src/testing/virtual-clock';

afterEach(() => {
  vi.useRealTimers();
});

describe('the activity clock of the test environment', () => {
  it('fires a timer further ahead than setTimeout can wait only when that much time passed', () => {
    vi.useFakeTimers();
    const virtual = new VirtualClock(Date.now());
    const fired: string[] = [];
    activityClock(virtual, () => false).setTimer(virtual.now() + 30 * 86_400_000, () => fired.push('30 days'));
    vi.advanceTimersByTime(29 * 86_400_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(86_400_000);
    expect(fired).toEqual(['30 days']);
  });

  it('leaves the timer to the virtual clock while the test awaits, and fires it once', () => {
    vi.useFakeTimers();
    const virtual = new VirtualClock(Date.now());
    const fired: number[] = [];
    let awaiting = true;
    activityClock(virtual, () => awaiting).setTimer(virtual.now() + 1_000, () => fired.push(virtual.now()));
    vi.advanceTimersByTime(5_000);
    expect(fired).toEqual([]);
    virtual.advanceTo(virtual.now() + 1_000);
    expect(fired).toHaveLength(1);
    awaiting = false;
    vi.advanceTimersByTime(5_000);
    expect(fired).toHaveLength(1);
  });

  it('fires by real time once the test stops awaiting, and not after it was stopped', () => {
    vi.useFakeTimers();
    const virtual = new VirtualClock(Date.now());
    const fired: string[] = [];
    let awaiting = true;
    const clock = activityClock(virtual, () => awaiting);
    clock.setTimer(virtual.now() + 1_000, () => fired.push('kept'));
    const stop = clock.setTimer(virtual.now() + 1_000, () => fired.push('stopped'));
    stop();
    vi.advanceTimersByTime(2_000);
    awaiting = false;
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['kept']);
  });
});
