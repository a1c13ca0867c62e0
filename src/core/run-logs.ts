// The log lines a run wrote since its last commit (workflow code, its local activities, and what activity servers
// sent back with outcomes), bounded: the next commit stores them beside the run, outside history (Limits.logLinesKept).
import { Limits } from './limits';
import { cutLogLine, parsedLogLine } from './log';

export class RunLogs {
  #lines: string[] = [];

  /** A line this host wrote (its JSON text, as the console got it). */
  readonly keep = (text: string): void => {
    this.#lines.push(cutLogLine(text, Limits.logLineMaxChars));
    this.#trim();
  };

  /**
   * Lines an activity server sent back with an attempt's outcome, held to what serveActivities sends at most: the
   * latest Limits.logLinesPerAttempt lines and Limits.logCharsPerAttempt of them, each cut to Limits.logLineMaxChars,
   * and only what reads as a log line. The rest is dropped, never an error of the attempt.
   */
  keepReported(lines: unknown): void {
    if (!Array.isArray(lines)) return;
    this.#lines.push(...latestAttemptLines(lines));
    this.#trim();
  }

  /** Only the latest are stored: the oldest go in batches, not one shift per line. */
  #trim(): void {
    if (this.#lines.length >= 2 * Limits.logLinesKept) this.#lines = this.#lines.slice(-Limits.logLinesKept);
  }

  /** The lines to commit, oldest first; the buffer starts again empty. */
  take(): string[] | undefined {
    if (this.#lines.length === 0) return undefined;
    const lines = this.#lines.length > Limits.logLinesKept ? this.#lines.slice(-Limits.logLinesKept) : this.#lines;
    this.#lines = [];
    return lines;
  }
}

/**
 * What one attempt's lines may be, wherever they are held to it (serveActivities before it replies, a run as it keeps
 * them): the latest Limits.logLinesPerAttempt lines and Limits.logCharsPerAttempt of them, each cut to
 * Limits.logLineMaxChars, and only what reads as a log line; oldest first.
 */
export function latestAttemptLines(lines: readonly unknown[]): string[] {
  const kept: string[] = [];
  let chars = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < Limits.logLinesPerAttempt; i--) {
    const text = lines[i];
    if (typeof text !== 'string' || !parsedLogLine(text)) continue;
    const line = cutLogLine(text, Limits.logLineMaxChars);
    if (chars + line.length > Limits.logCharsPerAttempt) break;
    chars += line.length;
    kept.push(line);
  }
  return kept.reverse();
}
