// Payloads: with the rich converter, each kind of value (Date, Map, Set, BigInt, bytes, undefined, NaN…) crosses every
// boundary of a run and comes back as it was sent (docs/payloads.md); history holds the marked, readable JSON form.
import { describe, expect, it } from 'vitest';
import { RunPayloads } from '../../../src/core/payloads/run-payloads';
import { describeValue, richSample } from '../../support/rich-values';
import { answered, uniqueId, type CaseArea } from './helpers';

/** What a client of a host configured with the rich converter writes and reads (DuroClient does the same). */
const payloads = RunPayloads.forCaller('rich');

export const payloadCases: CaseArea = ({ on, resultOf, historyOf, eventually }) => {
  describe('payloads (rich converter)', () => {
    it('takes every rich kind through input, activity, heartbeat, local activity, side effect, child, memo, continue-as-new, signal, query, update and result', async () => {
      const id = uniqueId('rich');
      const sample = richSample();
      const expected = describeValue(sample);
      const { runId } = answered(await on(id).start({ workflowType: 'richRoundTrip', workflowId: id, input: payloads.write({ value: sample }, 'input') }));
      answered(await on(id).signal({ name: 'richItem', args: payloads.writeArgs([sample], 'args') }));
      // The second run sets the handlers: ask until one answers.
      const query = await eventually('the query handler of the continued run', async () => {
        const reply = await on(id).query({ name: 'richSeen', args: payloads.writeArgs([sample], 'args') });
        return reply.ok ? (payloads.read(reply.value.result) as { seen: unknown[]; extra: unknown }) : undefined;
      });
      expect(describeValue(query.extra)).toBe(expected);
      const update = answered(await on(id).update({ name: 'richEcho', args: payloads.writeArgs([sample], 'args'), wait: 'completed' }));
      expect(describeValue(payloads.read((update.outcome as { result: unknown }).result))).toBe(expected);

      const reply = await resultOf(id);
      expect(reply.status).toBe('completed');
      const result = payloads.read((reply as { result: unknown }).result) as Record<string, unknown>;
      const { activity, ...rest } = result as { activity: { value: unknown; heartbeat: unknown } } & Record<string, unknown>;
      expect(describeValue(activity.value)).toBe(expected);
      expect(describeValue(activity.heartbeat)).toBe(expected);
      for (const boundary of ['localActivity', 'sideEffect', 'child', 'memo', 'input', 'carriedMemo', 'signal', 'update']) {
        expect({ boundary, value: describeValue(rest[boundary]) }).toEqual({ boundary, value: expected });
      }

      // History keeps the marked JSON form, readable as it is stored.
      const [started] = await historyOf(id, runId);
      expect(started).toMatchObject({ type: 'WorkflowExecutionStarted', payloadFormat: 1 });
      const input = (started as { input: { $duro: string } }).input;
      expect(input.$duro).toBe('rich');
      const stored = JSON.stringify(input);
      expect(stored).toContain('"at":{"$t":"D","v":"2026-12-07T03:04:05.678Z"}');
      expect(stored).toContain('"big":{"$t":"n","v":"1180591620717411303424"}');
    });

    it('stores a plain value exactly as JSON, under either converter', async () => {
      const id = uniqueId('plain');
      const value = { name: 'ada', items: [1, 2, { deep: true }], none: null };
      answered(await on(id).start({ workflowType: 'richChild', workflowId: id, input: payloads.write(value, 'input') }));
      const reply = await resultOf(id);
      expect((reply as { result: unknown }).result).toEqual(value);
      expect((await historyOf(id))[0]).toMatchObject({ input: value });
    });
  });
};
