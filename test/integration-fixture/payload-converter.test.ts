// DuroClient with the rich converter against the fixture Worker (which writes with it too, worker.ts): what a user
// sends comes back as it was sent through the REST API, and a client left on JSON still reads rich answers by their
// mark (docs/payloads.md).
import { describe, expect, it } from 'vitest';
import { DuroClient } from 'duro/client';
import { describeValue, richSample } from '../support/rich-values';
import { api, eventually, history, uniqueId } from './helpers';

const clientOf = (converter: 'json' | 'rich') =>
  new DuroClient({ baseUrl: 'http://duro.test', fetch: (request) => api(new URL(request.url).pathname + new URL(request.url).search, request), payloads: { converter } });

describe('payloads through DuroClient', () => {
  it('sends and receives every rich kind: start input and memo, signal, query, update, result, describe', async () => {
    const client = clientOf('rich');
    const sample = richSample();
    const expected = describeValue(sample);
    const workflowId = uniqueId('client-rich');
    const started = await client.start('richRoundTrip', { workflowId, input: { value: sample }, memo: { sample } });
    expect(describeValue((await started.describe()).memo.sample)).toBe(expected);
    // The first run continues as new: the messages go to the latest run.
    const handle = client.getHandle(workflowId);
    await handle.signal('richItem', sample);
    const answer = await eventually(() => handle.query<{ seen: unknown[]; extra: unknown }, [unknown]>('richSeen', sample).catch(() => undefined), 8_000, 'the continued run\'s query handler');
    expect(describeValue(answer.extra)).toBe(expected);
    expect(describeValue(await handle.executeUpdate('richEcho', { args: [sample] }))).toBe(expected);
    const result = (await handle.result()) as Record<string, unknown>;
    for (const boundary of ['input', 'localActivity', 'sideEffect', 'child', 'memo', 'carriedMemo', 'signal', 'update']) {
      expect({ boundary, value: describeValue(result[boundary]) }).toEqual({ boundary, value: expected });
    }
    expect(describeValue((result.activity as { heartbeat: unknown }).heartbeat)).toBe(expected);

    // A client left on JSON writes plain values as they are and reads the marked result all the same.
    expect(describeValue(await clientOf('json').getHandle(workflowId).result())).toBe(describeValue(result));
    expect((await history(workflowId))[0]).toMatchObject({ type: 'WorkflowExecutionStarted', payloadFormat: 1, input: { $duro: 'rich' } });
  });

  it('refuses, before sending anything, a value the converter cannot carry, saying where it is', async () => {
    class Money {}
    await expect(clientOf('rich').start('richChild', { workflowId: uniqueId('class'), input: { total: new Money() } })).rejects.toThrow(/Workflow input holds an instance of Money \(at total\)/);
  });
});
