// `duro complete` and `duro fail`: finishing an activity that answered 202, by its task token.
import { describe, expect, it } from 'vitest';
import { cliWith } from './run-cli';

function recording() {
  const requests: Array<{ url: string; body: any }> = [];
  const fetch = async (request: Request) => {
    requests.push({ url: new URL(request.url).pathname, body: await request.json() });
    return Response.json({});
  };
  return { requests, cli: cliWith(fetch) };
}

describe('duro complete / fail', () => {
  it('posts the result with the task token', async () => {
    const { requests, cli } = recording();
    const run = await cli('complete', 'v1.token.sig', '--input', '{"approved":true}');
    expect(run.code).toBe(0);
    expect(run.out).toBe('Completed the activity.');
    expect(requests).toEqual([{ url: '/v1/activities/complete', body: { taskToken: 'v1.token.sig', result: { approved: true } } }]);
  });

  it('posts a non-retryable failure with the reason', async () => {
    const { requests, cli } = recording();
    const run = await cli('fail', 'v1.token.sig', '--reason', 'rejected by ops', '--json');
    expect(run.json()).toEqual({ ok: true });
    expect(requests[0]!.body).toMatchObject({ taskToken: 'v1.token.sig', failure: { type: 'CompletedWithFailure', message: 'rejected by ops', nonRetryable: true } });
  });

  it('needs the token', async () => {
    const { cli } = recording();
    expect((await cli('complete')).code).toBe(2);
  });
});
