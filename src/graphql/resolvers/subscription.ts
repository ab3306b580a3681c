import { requireMayAskAbout } from '../../auth/scopes';
import type { PermissionSetResult } from '../../authz/decision-service';
import { validateSubject } from '../../authz/decision-service';
import { InvalidInputError } from '../../authz/errors';
import type { SubscriptionContext } from '../../subscriptions/subscription-context';
import { SubscriptionLimitError, type SetMessage } from '../../subscriptions/subscription-hub';

/**
 * `permissionsChanged`: the same scope rule as `permissions` (authz:check, or
 * authz:check:self for its own ID only) and the same input validation, then the hub's
 * stream of sets. Not typed through the generated resolvers, whose context is the HTTP
 * request's.
 */
export const Subscription = {
  permissionsChanged: {
    subscribe: (_parent: unknown, args: { userId: string; orgId: string }, ctx: SubscriptionContext): AsyncIterableIterator<SetMessage> => {
      requireMayAskAbout(ctx.caller, [args.userId]);
      const subject = { userId: args.userId, orgId: args.orgId };
      validateSubject(subject);
      const { connection } = ctx;
      if (connection.open >= connection.max) throw new SubscriptionLimitError('this connection has as many subscriptions as it may (AUTHZ_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION)');
      const stream = ctx.hub.subscribe(subject, () => connection.open--);
      connection.open++;
      return stream;
    },
    // Without a message the operation was sent over HTTP, where subscriptions do not run.
    resolve: (message: SetMessage | undefined): PermissionSetResult => {
      if (!message) throw new InvalidInputError('permissionsChanged is a subscription: open a WebSocket on /graphql (graphql-transport-ws) to receive it');
      return message.set;
    },
  },
};
