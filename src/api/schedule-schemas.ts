// Schemas of the schedule routes (docs/api.md, Schedules).
import { z } from '@hono/zod-openapi';
import { NameKind } from '../core/names';
import { DurationSchema, existingName, newName, payload } from './schemas';

const instant = z.union([z.string().max(100), z.number()]).openapi({ description: 'ISO 8601 (with its zone) or epoch milliseconds.' });

export const ScheduleParams = z.object({
  scheduleId: existingName(NameKind.scheduleId, 'The schedule id.').openapi({ param: { name: 'scheduleId', in: 'path' } }),
});

export const ScheduleBody = z.strictObject({
  scheduleId: newName(NameKind.scheduleId, 'Also the prefix of every action\'s workflow id: `<scheduleId>-<scheduled time>`.').regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
  cron: z.string().min(1).max(200).optional().openapi({ description: 'A cron expression (5 fields, or 6 with seconds). Give `cron` or `every`.', example: '0 9 * * 1-5' }),
  every: DurationSchema.optional().openapi({ description: 'A fixed interval, aligned to `startAt` (or the epoch).', example: '15m' }),
  timezone: z.string().min(1).max(100).optional().openapi({ description: 'IANA time zone of `cron`. Default UTC.', example: 'Europe/Berlin' }),
  jitter: DurationSchema.optional().openapi({ description: 'Each action starts up to this much after its time (spreads load).' }),
  catchupWindow: DurationSchema.optional().openapi({ description: 'After downtime, times missed longer ago than this are skipped.' }),
  startAt: instant.optional(),
  endAt: instant.optional(),
  workflowType: newName(NameKind.workflowType, 'The workflow every action starts.'),
  input: payload('Workflow input', 'The input of every action.').optional(),
  overlap: z.enum(['skip', 'bufferOne', 'allowAll']).optional().openapi({ description: 'When an action is due while the last one runs: skip it (default), buffer one, or start it anyway.' }),
  paused: z.boolean().optional(),
}).openapi('CreateScheduleRequest');

export const ScheduleDescriptionSchema = z.looseObject({
  scheduleId: z.string(),
  workflowType: z.string(),
  spec: z.looseObject({}),
  overlap: z.enum(['skip', 'bufferOne', 'allowAll']),
  paused: z.boolean(),
  createdAt: z.number(),
  nextRunTimes: z.array(z.number()).openapi({ description: 'The next scheduled times (ms since the epoch, before jitter); empty while paused.' }),
  state: z.looseObject({
    actions: z.number().int(),
    skippedOverlap: z.number().int(),
    missedCatchup: z.number().int(),
    lastAction: z.object({ scheduledTime: z.number(), workflowId: z.string(), startedAt: z.number() }).optional(),
  }),
}).openapi('Schedule');

export const ScheduleListReply = z.object({
  schedules: z.array(ScheduleDescriptionSchema),
  unreadable: z.array(z.object({ scheduleId: z.string(), reason: z.string() })).optional()
    .openapi({ description: 'Schedules whose stored row does not open (a payload key no longer configured, docs/payloads.md): remove them, or restore the key. Absent when there are none.' }),
}).openapi('ScheduleList');

export const TriggerReply = z.object({ workflowId: z.string() }).openapi('ScheduleTriggered');
