// GET /metrics when the Scheduler cannot answer (an object of the older code during a deploy has no metrics()): the
// shards' series are still served, without the Scheduler's.
import { describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { emptyBackend, type ApiBackend } from '../../../src/api/backend';
import type { MetricsSnapshot } from '../../../src/visibility/metrics';

const shardSnapshot: MetricsSnapshot = { counters: [{ name: 'duro_workflows_started_total', labels: { workflow_type: 'order' }, value: 3 }], histograms: [], running: [] };

function backendWith(schedulerMetrics: () => Promise<MetricsSnapshot>): ApiBackend {
  return {
    ...emptyBackend(),
    visibilityShards: () => [{ metrics: async () => shardSnapshot }] as never,
    scheduler: () => ({ metrics: schedulerMetrics }) as never,
  };
}

describe('GET /metrics', () => {
  it("serves the shards' series when the Scheduler cannot answer", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const res = await createApiApp(backendWith(() => Promise.reject(new TypeError('metrics is not a function')))).request('http://localhost/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('duro_workflows_started_total{workflow_type="order"} 3');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("without the Scheduler's series"), 'metrics is not a function');
    warn.mockRestore();
  });

  it("adds the Scheduler's series when it answers", async () => {
    const lag: MetricsSnapshot = { counters: [{ name: 'duro_workflows_started_total', labels: { workflow_type: 'order' }, value: 1 }], histograms: [], running: [] };
    const res = await createApiApp(backendWith(async () => lag)).request('http://localhost/metrics');
    expect(await res.text()).toContain('duro_workflows_started_total{workflow_type="order"} 4');
  });
});
