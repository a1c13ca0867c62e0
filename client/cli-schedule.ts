// `duro schedule create|list|describe|pause|unpause|trigger|delete`: the /v1/schedules routes from a terminal.
import { cliJsonOf, valueOfCliJson } from './cli-payloads';
import { formatKeyValues, formatTable, formatTime } from './cli-format';
import type { CreateScheduleOptions, DuroClient, ScheduleDescription } from './duro-client';

export interface ScheduleArgs {
  client: DuroClient;
  operands: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  /** Prints `json` with --json, else `human()`. */
  emit(json: unknown, human: () => string): void;
  usage(message: string): Error;
  parseJson(text: string, what: string): unknown;
}

export const SCHEDULE_USAGE = `  schedule create <scheduleId> --type T (--cron EXPR | --every DURATION) [--timezone ZONE] [--jitter D]
                  [--catchup-window D] [--start-at ISO] [--end-at ISO] [--input JSON] [--overlap skip|bufferOne|allowAll] [--paused]
  schedule list
  schedule describe | pause | unpause | trigger | delete <scheduleId>`;

export async function scheduleCommand(args: ScheduleArgs): Promise<number> {
  const [action, scheduleId] = args.operands;
  const id = () => {
    if (!scheduleId) throw args.usage('missing scheduleId');
    return scheduleId;
  };
  const text = (name: string) => (typeof args.values[name] === 'string' ? (args.values[name] as string) : undefined);
  switch (action) {
    case 'create': {
      const workflowType = text('type') ?? text('workflow-type');
      if (!workflowType) throw args.usage('schedule create needs --type');
      const options: CreateScheduleOptions = { scheduleId: id(), workflowType };
      const strings = { cron: 'cron', every: 'every', timezone: 'timezone', jitter: 'jitter', catchupWindow: 'catchup-window', startAt: 'start-at', endAt: 'end-at' } as const;
      for (const [field, flag] of Object.entries(strings)) {
        const value = text(flag);
        if (value !== undefined) (options as unknown as Record<string, unknown>)[field] = value;
      }
      const overlap = text('overlap');
      if (overlap !== undefined) {
        if (overlap !== 'skip' && overlap !== 'bufferOne' && overlap !== 'allowAll') throw args.usage(`unknown overlap policy '${overlap}' (skip, bufferOne or allowAll)`);
        options.overlap = overlap;
      }
      const input = text('input');
      if (input !== undefined) options.input = valueOfCliJson(args.parseJson(input, '--input'));
      if (args.values.paused === true) options.paused = true;
      const created = printable(await args.client.createSchedule(options));
      args.emit(created, () => `Created schedule ${created.scheduleId}.\n${formatSchedule(created)}`);
      return 0;
    }
    case 'list': {
      const schedules = (await args.client.listSchedules()).map(printable);
      args.emit({ schedules }, () => formatSchedules(schedules));
      return 0;
    }
    case 'describe': {
      const schedule = printable(await args.client.describeSchedule(id()));
      args.emit(schedule, () => formatSchedule(schedule));
      return 0;
    }
    case 'pause':
    case 'unpause':
      await (action === 'pause' ? args.client.pauseSchedule(id()) : args.client.unpauseSchedule(id()));
      args.emit({ ok: true }, () => `${action === 'pause' ? 'Paused' : 'Unpaused'} schedule ${scheduleId}.`);
      return 0;
    case 'trigger': {
      const started = await args.client.triggerSchedule(id());
      args.emit(started, () => `Started ${started.workflowId}.`);
      return 0;
    }
    case 'delete':
      await args.client.deleteSchedule(id());
      args.emit({ ok: true }, () => `Deleted schedule ${scheduleId}.`);
      return 0;
    default:
      throw args.usage(`unknown schedule action '${action ?? ''}' (create, list, describe, pause, unpause, trigger or delete)`);
  }
}

function calendarOf(schedule: ScheduleDescription): string {
  const spec = schedule.spec as { cron?: string; every?: number | string; timezone?: string };
  if (spec.cron) return `cron ${spec.cron}${spec.timezone ? ` (${spec.timezone})` : ''}`;
  return `every ${typeof spec.every === 'number' ? `${spec.every}ms` : spec.every}`;
}

export function formatSchedules(schedules: ScheduleDescription[]): string {
  if (schedules.length === 0) return 'No schedules.';
  return formatTable(['SCHEDULE ID', 'WORKFLOW TYPE', 'CALENDAR', 'STATE', 'NEXT RUN', 'ACTIONS'], schedules.map((s) => [
    s.scheduleId, s.workflowType, calendarOf(s), s.paused ? 'paused' : 'active', formatTime(s.nextRunTimes[0]) ?? '-', String(s.state.actions),
  ]));
}

export function formatSchedule(schedule: ScheduleDescription): string {
  return formatKeyValues([
    ['scheduleId', schedule.scheduleId],
    ['workflowType', schedule.workflowType],
    ['calendar', calendarOf(schedule)],
    ['overlap', schedule.overlap],
    ['state', schedule.paused ? 'paused' : 'active'],
    ['actions', String(schedule.state.actions)],
    ['skipped (overlap)', String(schedule.state.skippedOverlap)],
    ['missed (catch-up)', String(schedule.state.missedCatchup)],
    ['last action', schedule.state.lastAction?.workflowId],
    ['next runs', schedule.nextRunTimes.map((t) => formatTime(t)).join(', ') || undefined],
  ]);
}

/** A schedule as the CLI prints it: its action's input in stored form (cli-payloads.ts). */
function printable(schedule: ScheduleDescription): ScheduleDescription {
  return schedule.input === undefined ? schedule : { ...schedule, input: cliJsonOf(schedule.input) };
}
