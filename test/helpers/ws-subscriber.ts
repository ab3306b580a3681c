import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { waitFor } from './wait-for';

export const PERMISSIONS_CHANGED = `subscription S($u: ID!, $o: ID!) { permissionsChanged(userId: $u, orgId: $o) { userId orgId permissions roles } }`;

export interface SetMessage {
  permissions: string[];
  roles: string[];
}

/** What a subscription received, in order: sets, an error, completion, and how the socket closed. */
export class Subscriber {
  readonly sets: SetMessage[] = [];
  errors: Array<{ message: string; extensions?: { code?: string } }> | null = null;
  completed = false;
  closeCode: number | null = null;
  private taken = 0;
  private unsubscribe: (() => void) | null = null;

  private constructor(private readonly client: Client) {}

  /** A graphql-ws client on `baseUrl`'s /graphql, subscribed to (userId, orgId). */
  static start(baseUrl: string, userId: string, orgId: string, authorization?: string): Subscriber {
    const subscriber: Subscriber = new Subscriber(
      createClient({
        url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: authorization ? { authorization } : {},
        retryAttempts: 0,
        lazy: false,
        on: { closed: (event) => (subscriber.closeCode = (event as { code: number }).code) },
        onNonLazyError: () => undefined,
      }),
    );
    subscriber.subscribe(userId, orgId);
    return subscriber;
  }

  /** Another subscription on the same connection. */
  subscribe(userId: string, orgId: string): Subscriber {
    this.unsubscribe = this.client.subscribe<{ permissionsChanged: SetMessage & { userId: string; orgId: string } }>(
      { query: PERMISSIONS_CHANGED, variables: { u: userId, o: orgId } },
      {
        next: (result) => {
          if (result.errors) this.errors = result.errors as Subscriber['errors'];
          if (result.data) this.sets.push({ permissions: result.data.permissionsChanged.permissions, roles: result.data.permissionsChanged.roles });
        },
        error: (error) => {
          this.errors = Array.isArray(error) ? (error as Subscriber['errors']) : [{ message: String((error as { code?: number }).code ?? error) }];
        },
        complete: () => (this.completed = true),
      },
    );
    return this;
  }

  /** The next set not taken yet, waiting up to `boundMs` for it (a failure past that). */
  async next(boundMs = 15_000): Promise<SetMessage> {
    await waitFor('the next set', () => this.sets.length > this.taken || this.errors !== null || this.closeCode !== null, { timeoutMs: boundMs });
    if (this.sets.length <= this.taken) throw new Error(`no set: errors ${JSON.stringify(this.errors)}, close code ${this.closeCode}`);
    return this.sets[this.taken++]!;
  }

  /** How many sets arrived that `next` did not take yet. */
  get unread(): number {
    return this.sets.length - this.taken;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.client.dispose();
  }
}
