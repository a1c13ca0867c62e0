// Schedules (Temporal's Schedules): when a schedule fires (schedule-spec.ts) and what one wake-up does (schedule-tick.ts).
// Pure code the Scheduler Durable Object drives; nothing here sets a timer.
export * from './schedule-spec';
export * from './schedule-tick';
