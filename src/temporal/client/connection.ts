// Temporal's Connection: where the client's calls go. `Connection.connect({ address })` reaches a Duro deployment over
// its REST API (DuroClient); the test environment makes connections to itself (connectionOver), no server involved.
import { DuroClient } from '../../../client/duro-client';
import type { TemporalBackend } from './backend';
import type { PayloadConverter } from '../../core/payloads/envelope';
import { httpBackend } from './http-backend';

export interface ConnectionOptions {
  /** The Duro Worker's base URL (`https://duro.example.workers.dev`); a bare `host:port` means `http://host:port`. */
  address?: string;
  /** DURO_API_TOKEN, sent as `authorization: Bearer …` (Temporal Cloud's API key option). */
  apiKey?: string;
  /** Only `authorization` is used (the full header value, e.g. `Bearer …`), when `apiKey` is not given. */
  metadata?: Record<string, string>;
  /** A fetch of your own: a service binding (`env.DURO`) or a test's. Duro's addition. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * How the values the client sends are written (Duro's addition, in place of Temporal's `dataConverter`):
   * `{ converter: 'rich' }` to send Date, Map, Set, BigInt, bytes… as they are (docs/payloads.md).
   */
  payloads?: { converter?: PayloadConverter };
  /** Accepted and unused: TLS is the URL's scheme (`https://`). */
  tls?: unknown;
  /** Accepted and unused. */
  connectTimeout?: unknown;
}

const BACKEND = Symbol.for('duro.temporal.connection.backend');

export class Connection {
  /** @internal */
  readonly [BACKEND]: TemporalBackend;

  protected constructor(backend: TemporalBackend, readonly options: ConnectionOptions) {
    this[BACKEND] = backend;
  }

  /** Nothing to dial (HTTP needs no session): resolves at once. Kept async to match Temporal. */
  static async connect(options: ConnectionOptions = {}): Promise<Connection> {
    return Connection.lazy(options);
  }

  static lazy(options: ConnectionOptions = {}): Connection {
    const token = options.apiKey ?? bearerOf(options.metadata?.authorization ?? options.metadata?.Authorization);
    const client = new DuroClient({
      baseUrl: baseUrlOf(options.address ?? 'http://127.0.0.1:8787'),
      ...(token !== undefined && { token }),
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.payloads && { payloads: options.payloads }),
    });
    return new Connection(httpBackend(client), options);
  }

  async ensureConnected(): Promise<void> {}

  async close(): Promise<void> {}
}

/** @internal A connection whose calls go to `backend` (the test environment's). */
export function connectionOver(backend: TemporalBackend, options: ConnectionOptions = {}): Connection {
  return new (Connection as unknown as new (backend: TemporalBackend, options: ConnectionOptions) => Connection)(backend, options);
}

/** @internal */
export function backendOf(connection: Connection): TemporalBackend {
  const backend = (connection as unknown as Record<symbol, TemporalBackend | undefined>)[BACKEND];
  if (!backend) throw new TypeError('Not a duro/temporal/client Connection');
  return backend;
}

function baseUrlOf(address: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
}

function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match ? match[1] : header;
}
