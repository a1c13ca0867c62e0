// The CLI reads and prints payloads in their stored form (docs/payloads.md): plain JSON as it is, a rich value as its
// marked JSON, so a bigint or a Date goes in with --input and comes back out whole, with --json or without.
import { describe, expect, it } from 'vitest';
import { defineWorkflow } from 'duro/workflow';
import { createApiApp } from '../../../src/api/app';
import { createEnvBackend } from '../api/env-backend';
import { cliWith } from './run-cli';

const tally = defineWorkflow('tally', async (ctx, input: { total: bigint; at: Date }) => {
  ctx.upsertMemo({ last: input.at });
  return { doubled: input.total * 2n, year: input.at.getUTCFullYear(), kinds: new Set(['a']) };
});

const echo = defineWorkflow('echo', async (_ctx, input: unknown) => input);

async function cli() {
  const { backend } = await createEnvBackend({ workflows: { tally, echo }, payloads: { converter: 'rich' } });
  const app = createApiApp(backend);
  return cliWith(async (request) => app.fetch(request));
}

describe('duro and rich payloads', () => {
  it('sends a marked --input as the value it stands for, and prints a rich result as its marked JSON', async () => {
    const duro = await cli();
    const input = JSON.stringify({ $duro: 'rich', v: { total: { $t: 'n', v: '21' }, at: { $t: 'D', v: '2026-12-07T00:00:00.000Z' } } });
    const run = await duro('execute', 'tally', '--id', 't1', '--input', input, '--json');
    expect(run.code).toBe(0);
    expect(run.json().result).toEqual({ $duro: 'rich', v: { doubled: { $t: 'n', v: '42' }, year: 2026, kinds: { $t: 'S', v: ['a'] } } });
    expect(JSON.parse((await duro('result', 't1')).out)).toEqual(run.json().result);
    expect((await duro('describe', 't1', '--json')).json().memo).toEqual({ last: { $duro: 'rich', v: { $t: 'D', v: '2026-12-07T00:00:00.000Z' } } });
  });

  it('sends plain JSON as it is and prints it as it is', async () => {
    const duro = await cli();
    const run = await duro('execute', 'echo', '--id', 'e1', '--input', '{"total": 1, "at": "2026-01-01", "list": [1, null]}');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ total: 1, at: '2026-01-01', list: [1, null] });
  });
});
