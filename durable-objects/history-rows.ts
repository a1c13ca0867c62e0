// How a commit's events are laid out in the `history` table (decision 023): consecutive events share a row, as a
// JSON list, up to HISTORY_ROW_MAX_CHARS; an event longer than that is a row of its own, as it was before (chunked
// past a row's size, or put in the blob store by the claim check). A row is keyed by its first event's id and names
// its last (`last_event_id`, NULL for a row of one event), so a page read can start inside a row.
import type { HistoryEvent } from '../src/core/history';

/** The longest a row of several events gets: well under a row's 256 Ki-character chunk and the claim check's threshold. */
export const HISTORY_ROW_MAX_CHARS = 64 * 1024;

/** One history row as a commit writes it: its events' JSON, and the ids it spans. */
export interface HistoryRowText {
  eventId: number;
  /** The last event's id in a row of several; absent for a row of one event (its text is that event's JSON). */
  lastEventId?: number;
  /** The first event's type (what the claim check reads: a start event stays in its row). */
  type: string;
  text: string;
}

/** The rows of a commit's events, in order; `texts` are the events' JSON, by place. */
export function historyRowsOf(events: readonly HistoryEvent[], texts: readonly string[]): HistoryRowText[] {
  const rows: HistoryRowText[] = [];
  let first = 0;
  let chars = 0;
  const close = (end: number) => {
    if (end - first === 1) rows.push({ eventId: events[first]!.eventId, type: events[first]!.type, text: texts[first]! });
    else if (end > first) {
      rows.push({ eventId: events[first]!.eventId, lastEventId: events[end - 1]!.eventId, type: events[first]!.type, text: `[${texts.slice(first, end).join(',')}]` });
    }
    first = end;
    chars = 0;
  };
  for (let i = 0; i < events.length; i++) {
    const length = texts[i]!.length + 1; // its comma or bracket
    if (chars > 0 && chars + length + 1 > HISTORY_ROW_MAX_CHARS) close(i);
    chars += length;
    if (chars + 1 > HISTORY_ROW_MAX_CHARS) close(i + 1); // alone: too long to share a row
  }
  close(events.length);
  return rows;
}

/** The events a stored row holds, from its text: a list when it spans several (`lastEventId` set), else one. */
export function eventsOfRow(text: string, lastEventId: number | null): HistoryEvent[] {
  return lastEventId === null ? [JSON.parse(text) as HistoryEvent] : (JSON.parse(text) as HistoryEvent[]);
}
