// The execution object's side of the Visibility feed (DESIGN §4, "outbox, not hope"): messages are rows written
// in the same transaction as the step they describe, numbered, sent in order to the object's shard after the
// commit and again from the alarm until the shard acknowledges them. The shard applies each seq once. The last row
// it acknowledged stays, bodiless, so the numbers go on growing after the outbox drains (schema.ts).
import { bytesOf, RowCodecs, sqlValueOf, type SealedRow } from '../src/core/payloads/row-codecs';
import { shardOf } from '../src/visibility/shard';
import type { SequencedMessage, VisibilityMessage } from '../src/visibility/record';
import { ExecutionSchema } from './execution-schema';
import { visibilityStub } from './stubs';

export interface VisibilityTarget {
  namespace: DurableObjectNamespace;
  shards: number;
}

/** Messages per delivery, and their encoded size (well under the RPC and row limits). */
const BATCH = 100;
const BATCH_CHARS = 512 * 1024;

export class VisibilityOutbox {
  readonly #sql: SqlStorage;
  readonly #rows: RowCodecs;
  readonly #schema: ExecutionSchema;
  /** This object's sender id and shard, known stored (read, or written by a committed transaction): every delivery needs them. */
  #identity: Identity | undefined;
  /** Written by the transaction under way; known stored once it commits ({@link committed}). */
  #identityWritten: Identity | undefined;
  /** Whether rows wait in the outbox, when known: after a delivery drained it, until the next enqueue. */
  #pending: boolean | undefined;

  constructor(storage: DurableObjectStorage, rows = new RowCodecs(), schema = ExecutionSchema.open(storage).schema) {
    this.#sql = storage.sql;
    this.#rows = rows;
    this.#schema = schema;
  }

  /**
   * The rows of `messages` as stored (sealed with the payload codecs, bound to the workflow id), one row each: call it
   * before the transaction that enqueues them. Without codecs, their JSON text at once.
   */
  seal(workflowId: string, messages: VisibilityMessage[]): SealedRow[] | Promise<SealedRow[]> {
    return this.#rows.sealAll(messages.map((message) => [textOf([message]), outboxIdentity(workflowId)]));
  }

  /**
   * One row for all of `messages` (what one commit tells the shard: a record change with the metrics that ride along),
   * sealed as {@link seal} seals: a row and its sequence-number counter are written once, not once per message.
   */
  sealTogether(workflowId: string, messages: VisibilityMessage[]): SealedRow[] | Promise<SealedRow[]> {
    return this.#rows.sealAll([[textOf(messages), outboxIdentity(workflowId)]]);
  }

  /**
   * Adds rows from the execution `workflowId` ({@link seal}, {@link sealTogether}, or messages that carry no payloads:
   * ids and counts, one row for all of them); call it inside the commit's transaction. The first call fixes this
   * object's shard, so a later change of the shard count never splits one workflow id across shards.
   */
  enqueue(workflowId: string, rows: readonly SealedRow[] | readonly VisibilityMessage[], shards: number): void {
    if (rows.length === 0) return;
    this.#schema.ensure();
    if (!this.#identity) {
      // The shard numbers messages per sender: a random part keeps a recreated object (storage wiped, namespace
      // renamed) from being taken for the old one, whose high-water mark would swallow its new messages.
      const identity = { sender: `${workflowId}#${crypto.randomUUID()}`, shard: shardOf(workflowId, shards) };
      const inserted = this.#sql.exec(`INSERT INTO meta (key, value) VALUES ('visibility', ?) ON CONFLICT (key) DO NOTHING`, identityText(identity)).rowsWritten;
      // When one was there already, that earlier identity stands (a delivery reads it).
      if (inserted > 0) this.#identityWritten = identity;
    }
    this.#pending = true;
    if (isMessages(rows)) {
      this.#sql.exec('INSERT INTO visibility_outbox (body) VALUES (?)', textOf(rows));
      return;
    }
    for (const row of rows) this.#sql.exec('INSERT INTO visibility_outbox (body) VALUES (?)', sqlValueOf(row));
  }

  /** The transaction that called {@link enqueue} committed. */
  committed(): void {
    this.#identity ??= this.#identityWritten;
    this.#identityWritten = undefined;
  }

  /** The object deleted its whole database: its next row gets a new identity, numbered from the start. */
  storageWiped(): void {
    this.#identity = undefined;
    this.#identityWritten = undefined;
    this.#pending = false;
  }

  hasPending(): boolean {
    if (!this.#schema.made) return false;
    this.#pending ??= this.#sql.exec('SELECT 1 FROM visibility_outbox WHERE body IS NOT NULL LIMIT 1').toArray().length > 0;
    return this.#pending;
  }

  /** Whether this object ever reported to Visibility (objects older than the binding have runs it never heard of). */
  hasReported(): boolean {
    return this.#storedIdentity() !== undefined;
  }

  /** Delivers everything pending, oldest first, until none is left; throws when the shard cannot be reached. */
  async flush(target: VisibilityTarget): Promise<void> {
    const identity = this.#storedIdentity();
    if (identity === undefined) return;
    const { sender, shard } = identity;
    const stub = visibilityStub(target.namespace, shard);
    for (;;) {
      const rows: Array<{ seq: number; body: SqlStorageValue }> = [];
      let chars = 0;
      for (const row of this.#sql.exec<{ seq: number; body: SqlStorageValue }>('SELECT seq, body FROM visibility_outbox WHERE body IS NOT NULL ORDER BY seq LIMIT ?', BATCH)) {
        const size = typeof row.body === 'string' ? row.body.length : (bytesOf(row.body)?.length ?? 0);
        if (rows.length > 0 && chars + size > BATCH_CHARS) break;
        rows.push(row);
        chars += size;
      }
      if (rows.length === 0) {
        this.#pending = false; // known empty until the next enqueue (commits are synchronous: none is half-way now)
        return;
      }
      // The shard gets the messages themselves (it seals what it keeps): opened here, on the way out.
      const identity = outboxIdentity(sender.slice(0, sender.lastIndexOf('#')));
      const bodies = await this.#rows.openAll(rows.map((row) => [row.body, identity]));
      const messages = rows.flatMap((row, i) => messagesOf(bodies[i]!).map((message) => ({ ...message, seq: row.seq }) as SequencedMessage));
      const applied = await stub.apply(sender, messages);
      // The acknowledged row stays without its body: the next row is numbered after it, whatever this instance forgets.
      this.#sql.exec('DELETE FROM visibility_outbox WHERE seq < ?', applied);
      this.#sql.exec('UPDATE visibility_outbox SET body = NULL WHERE seq = ?', applied);
      if (applied < rows.at(-1)!.seq) throw new Error(`visibility shard ${shard} applied up to ${applied} of ${rows.at(-1)!.seq}`);
    }
  }

  #storedIdentity(): Identity | undefined {
    if (this.#identity) return this.#identity;
    if (!this.#schema.made) return undefined;
    const text = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'visibility'").toArray()[0]?.value;
    if (text !== undefined) this.#identity = identityOf(text);
    return this.#identity;
  }
}

interface Identity {
  sender: string;
  shard: number;
}

/** One meta row, `<shard>:<sender>` (the sender holds the workflow id, which may hold anything: it comes last). */
function identityText(identity: Identity): string {
  return `${identity.shard}:${identity.sender}`;
}

function identityOf(text: string): Identity {
  const colon = text.indexOf(':');
  return { shard: Number(text.slice(0, colon)), sender: text.slice(colon + 1) };
}

/** A row's text: one message as itself (as rows always were), several as a list sharing the row's seq. */
function textOf(messages: readonly VisibilityMessage[]): string {
  return JSON.stringify(messages.length === 1 ? messages[0] : messages);
}

function messagesOf(text: string): VisibilityMessage[] {
  const parsed = JSON.parse(text) as VisibilityMessage | VisibilityMessage[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

function isMessages(rows: readonly SealedRow[] | readonly VisibilityMessage[]): rows is readonly VisibilityMessage[] {
  const [first] = rows;
  return typeof first === 'object' && !(first instanceof Uint8Array);
}

/** What an outbox row is bound to: the workflow id of the object that wrote it (rows are numbered only on insert). */
function outboxIdentity(workflowId: string): string {
  return `o/${workflowId}`;
}
