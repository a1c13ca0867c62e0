// What the Worker may ask of the deployment's schedules over RPC (docs/api.md, Schedules).
import type { OverlapPolicy, ScheduleSpec, ScheduleState } from '../core/schedule';
import type { MetricsSnapshot } from '../visibility/metrics';
import type { Reply } from './reply';

export interface ScheduleDefinition {
  scheduleId: string;
  spec: ScheduleSpec;
  workflowType: string;
  input?: unknown;
  overlap: OverlapPolicy;
  paused: boolean;
  createdAt: number;
}

export interface ScheduleDescription extends ScheduleDefinition {
  state: ScheduleState;
  /** The last action whose start was refused for good, and why. */
  lastError?: { at: number; workflowId: string; detail: string };
  /** The next scheduled times (before jitter), at most 5; none while paused. */
  nextRunTimes: number[];
}

export interface ScheduleList {
  schedules: ScheduleDescription[];
  /** Schedules whose stored row does not open (docs/payloads.md, "When a row does not open"): remove them, or restore the key. */
  unreadable?: Array<{ scheduleId: string; reason: string }>;
}

export interface SchedulerRpc {
  create(definition: Omit<ScheduleDefinition, 'createdAt'>): Promise<Reply<ScheduleDescription>>;
  /** Every schedule; one whose row does not open (its key not configured) is named in `unreadable`, not hidden. */
  list(): Promise<ScheduleList>;
  describe(scheduleId: string): Promise<Reply<ScheduleDescription>>;
  remove(scheduleId: string): Promise<Reply<null>>;
  setPaused(scheduleId: string, paused: boolean): Promise<Reply<null>>;
  trigger(scheduleId: string): Promise<Reply<{ workflowId: string }>>;
  /** The series the Scheduler keeps for /metrics (how late actions started), added to the Visibility shards'. */
  metrics(): Promise<MetricsSnapshot>;
}
