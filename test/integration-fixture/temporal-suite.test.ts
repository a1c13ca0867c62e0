// The Temporal-style suite (test/fixtures/temporal/suite-scenarios.ts) against Durable Objects in workerd: the fixture
// Worker registers the suite's workflows and activities, and the scenarios drive it with duro/temporal/client,
// connected as Temporal's docs connect a client, its fetch the fixture Worker's own handler.
import { abortAllDurableObjects } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, it } from 'vitest';
import { Client, Connection } from 'duro/temporal/client';
import type { SuiteHost } from '../fixtures/temporal/suite-host';
import { scenarios } from '../fixtures/temporal/suite-scenarios';
import { uniqueId } from './helpers';

let host: SuiteHost;

beforeAll(async () => {
  const connection = await Connection.connect({ address: 'http://duro.test', fetch: (request) => exports.default.fetch(request) });
  host = {
    client: new Client({ connection }),
    id: uniqueId,
    // Resetting every object drops each one's memory; the next request to a workflow loads and replays its history.
    forget: () => abortAllDurableObjects(),
  };
});

describe('the Temporal-style suite in Durable Objects', () => {
  for (const scenario of scenarios) {
    (scenario.bug?.workerd ? it.fails : it)(scenario.name, () => scenario.run(host), scenario.timeoutMs);
  }
});
