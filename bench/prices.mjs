// Published prices the cost measurement multiplies by (docs/cost.md cites each page and the date it was read).
// Paid-plan rates past the monthly allowances: what one more million workflows costs at scale.

export const PRICES = {
  /** https://developers.cloudflare.com/workers/platform/pricing/ (Workers Standard), read 2026-12-07. */
  workers: { requestPerMillion: 0.3, cpuMsPerMillion: 0.02 },
  /**
   * https://developers.cloudflare.com/durable-objects/platform/pricing/, read 2026-12-07: requests (RPC calls, fetches,
   * alarms), duration while active at 128 MB, SQLite rows read and written (each setAlarm() a row written), storage.
   */
  durableObjects: { requestPerMillion: 0.15, gbSecondPerMillion: 12.5, memoryGb: 0.125, rowReadPerMillion: 0.001, rowWrittenPerMillion: 1.0, gbMonth: 0.2 },
  /** https://developers.cloudflare.com/workflows/reference/pricing/, read 2026-12-07: Workers pricing plus storage. */
  workflows: { requestPerMillion: 0.3, cpuMsPerMillion: 0.02, gbMonth: 0.2 },
  /** https://docs.temporal.io/cloud/pricing, read 2026-12-07: the first volume tier (Developer and Business plans). */
  temporalCloud: { actionPerMillion: 50 },
};

/** Storage is billed per GB-month: a run's rows are kept for the retention period, a month by default (30 days). */
const GB = 1024 ** 3;

/**
 * Dollars per million workflows from counts per workflow: Duro on Workers and Durable Objects, or Cloudflare Workflows.
 * Counts a measurement could not see (undefined) cost nothing here, and the table says so.
 */
export function dollarsPerMillion(engine, counts) {
  const line = (x) => Math.round(x * 100) / 100;
  // Duro's objects are billed their databases' size; Cloudflare's engine is not visible, so its storage folder's growth
  // stands in (write-ahead logs included: an upper bound).
  const storedBytes = engine === 'duro' ? (counts.databaseBytes ?? counts.storedBytes) : counts.storedBytes;
  const storage = ((storedBytes ?? 0) / GB) * (engine === 'duro' ? PRICES.durableObjects.gbMonth : PRICES.workflows.gbMonth) * 1e6;
  const requests = (counts.workerInvocations ?? 0) * PRICES.workers.requestPerMillion;
  const cpu = (counts.cpuMs ?? 0) * PRICES.workers.cpuMsPerMillion;
  if (engine !== 'duro') return { requests: line(requests), cpu: line(cpu), storage: line(storage), total: line(requests + cpu + storage) };
  const d = PRICES.durableObjects;
  const objectRequests = (counts.objectRequests ?? 0) * d.requestPerMillion;
  const duration = ((counts.objectActiveMs ?? 0) / 1000) * d.memoryGb * d.gbSecondPerMillion;
  const rows = (counts.rowsRead ?? 0) * d.rowReadPerMillion + (counts.rowsWritten ?? 0) * d.rowWrittenPerMillion;
  const total = requests + cpu + objectRequests + duration + rows + storage;
  return { requests: line(requests), cpu: line(cpu), objectRequests: line(objectRequests), duration: line(duration), rows: line(rows), storage: line(storage), total: line(total) };
}
