// The run database's object stores, and the upgrade that brings a database of any earlier version to the current
// one, keeping what it holds (indexeddb-store.test.ts opens each earlier version).
import { BLOB_DELETES, createBlobDeletes } from './indexeddb-row-blobs';
import type { IdbDatabase, IdbTransaction } from './indexeddb-types';

/** 1: events, runs, pending. 2: inbox. 3: logs. 4: blobDeletes, and events' index of blob references. */
export const RUN_DB_VERSION = 4;
/** What a commit or a run's deletion writes, in one transaction. */
export const ALL_STORES = ['events', 'runs', 'pending', 'logs', BLOB_DELETES];

export function upgradeRunDatabase(db: IdbDatabase, oldVersion: number, tx: IdbTransaction): void {
  if (oldVersion < 1) createSchema(db);
  if (oldVersion < 2) createInbox(db);
  if (oldVersion < 3) createLogs(db);
  if (oldVersion < 4) createBlobDeletes(db, tx);
}

function createSchema(db: IdbDatabase): void {
  db.createObjectStore('events', { keyPath: ['runId', 'eventId'] });
  const runs = db.createObjectStore('runs', { keyPath: 'runId' });
  runs.createIndex('chainIndex', 'chainIndex', { unique: true });
  runs.createIndex('workflowId', ['workflowId', 'chainIndex']);
  db.createObjectStore('pending', { keyPath: ['runId', 'collection', 'key'] });
}

function createInbox(db: IdbDatabase): void {
  db.createObjectStore('inbox', { keyPath: 'key' }).createIndex('to', ['to', 'sentAt']);
}

function createLogs(db: IdbDatabase): void {
  db.createObjectStore('logs', { keyPath: 'seq', autoIncrement: true }).createIndex('byRun', ['runId', 'seq']);
}
