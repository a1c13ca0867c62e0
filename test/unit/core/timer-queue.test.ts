// The timer queue behind the real-time hosts' local activity deadlines: many timers on one host timer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerQueue } from '../../../src/core/timer-queue';

describe('TimerQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('fires each timer once at its time, in deadline order, ties in the order they were armed', () => {
    const queue = new TimerQueue();
    const fired: string[] = [];
    const now = Date.now();
    queue.schedule(now + 30, () => fired.push('c'));
    queue.schedule(now + 10, () => fired.push('a'));
    queue.schedule(now + 20, () => fired.push('b1'));
    queue.schedule(now + 20, () => fired.push('b2'));
    vi.advanceTimersByTime(9);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(['a', 'b1', 'b2']);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['a', 'b1', 'b2', 'c']);
    expect(queue.size).toBe(0);
  });

  it('never fires a cancelled timer, and cancelling twice is harmless', () => {
    const queue = new TimerQueue();
    const fired: string[] = [];
    const cancel = queue.schedule(Date.now() + 10, () => fired.push('cancelled'));
    queue.schedule(Date.now() + 20, () => fired.push('kept'));
    cancel();
    cancel();
    expect(queue.size).toBe(1);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual(['kept']);
  });

  it('fires an earlier timer armed after a later one', () => {
    const queue = new TimerQueue();
    const fired: number[] = [];
    queue.schedule(Date.now() + 500, () => fired.push(500));
    vi.advanceTimersByTime(100);
    queue.schedule(Date.now() + 50, () => fired.push(150));
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([150]);
    vi.advanceTimersByTime(350);
    expect(fired).toEqual([150, 500]);
  });

  it('reaches deadlines beyond its one-second horizon, and a deadline already past fires at once', () => {
    const queue = new TimerQueue();
    const fired: string[] = [];
    queue.schedule(Date.now() + 60_000, () => fired.push('minute'));
    queue.schedule(Date.now() - 5, () => fired.push('past'));
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['past']);
    vi.advanceTimersByTime(59_999);
    expect(fired).toEqual(['past']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['past', 'minute']);
  });

  it('arms a chain of short-lived timers on one host timer', () => {
    const queue = new TimerQueue();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    // Like a chain of local activity attempts: arm a deadline, return a moment later, cancel it.
    for (let i = 0; i < 1_000; i++) queue.schedule(Date.now() + 10_000, () => expect.unreachable())();
    expect(setTimeoutSpy.mock.calls.length).toBeLessThanOrEqual(1);
    expect(queue.size).toBe(0);
    vi.advanceTimersByTime(20_000);
  });

  it('fires only the live timer after ten thousand others were cancelled around it (and compacted away)', () => {
    const queue = new TimerQueue();
    let fired = 0;
    queue.schedule(Date.now() + 100_000, () => fired++); // one long timer keeps the queue live
    for (let i = 0; i < 10_000; i++) queue.schedule(Date.now() + 50_000 + i, () => fired++)();
    expect(queue.size).toBe(1);
    vi.advanceTimersByTime(100_000);
    expect(fired).toBe(1);
  });

  it('lets a firing timer arm the next one', () => {
    const queue = new TimerQueue();
    const fired: number[] = [];
    const tick = (n: number) => {
      fired.push(n);
      if (n < 3) queue.schedule(Date.now() + 10, () => tick(n + 1));
    };
    queue.schedule(Date.now() + 10, () => tick(1));
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([1, 2, 3]);
  });
});
