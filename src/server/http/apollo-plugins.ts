import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { GraphQLContext } from '../../graphql/context';
import { ApiError, ErrorCode } from '../../graphql/errors';
import { standInIfThrowing } from '../../graphql/limits';
import type { OperationCore } from '../../graphql/operation';
import { rateLimitHeaders, type RateDecision } from '../../modules/ratelimit/rate-limit';
import type { Logger } from '../../observability/logger';
import { operationNameOf, type Metrics } from '../metrics';
import { httpHead, withHttpHead } from './status';

/**
 * The Apollo plugins of the HTTP adapter. The steps themselves are the core's (admit); these only
 * put them at Apollo's hooks and say the outcome in HTTP (status, headers, one log line).
 */

/**
 * Once the operation is known: subscriptions are refused (served over WebSocket only: over HTTP
 * one is the client's mistake, said so, not a masked 500); anything else goes through the core's
 * admission (read scope, unstorable text, cost limit, rate-limit charge), a refusal answered with
 * its code's status. Every response carries the RateLimit headers of the charge.
 */
export function admissionPlugin(core: OperationCore, metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => {
      let decision: RateDecision | null = null;
      return {
        // graphql-js's validation throws on some subscriptions (limits.ts): Apollo validates a
        // stand-in instead, which fails with the error that says why (a 400, not a 500).
        validationDidStart: async (requestContext) => {
          const standIn = standInIfThrowing(core.schema, requestContext.document);
          if (standIn) (requestContext as { document: DocumentNode }).document = standIn;
        },
        didResolveOperation: async ({ document, operation, operationName, request, contextValue }) => {
          if (operation?.operation === 'subscription') {
            throw withHttpHead(new ApiError(ErrorCode.BAD_REQUEST, 'subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP'));
          }
          const admission = await core.admit({ document, operationName, variables: request.variables, auth: contextValue.auth, ip: contextValue.ip });
          decision = admission.rate;
          if (admission.admitted) return;
          if (decision && !decision.granted) metrics.limited('http');
          throw withHttpHead(admission.error, decision ? rateLimitHeaders(decision) : {});
        },
        willSendResponse: async ({ response }) => {
          if (!decision) return;
          for (const [k, v] of Object.entries(rateLimitHeaders(decision))) response.http.headers.set(k, v);
        },
      };
    },
  };
}

/**
 * A mutation refused for want of a credential or a scope answers 401 or 403, as reads do
 * (admissionPlugin), not 200: mutations check their scope in their resolvers (auth.service.ts),
 * so the status is set from the errors once nothing was done. A response that failed only
 * because the database is unavailable is a 503 with Retry-After.
 */
export function refusalStatusPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ response }) => {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        if (!errors?.length) return;
        const codes = new Set(errors.map((e) => e.extensions?.code));
        let code: ErrorCode | null = null;
        if (data == null && codes.has(ErrorCode.DATABASE_UNAVAILABLE)) code = ErrorCode.DATABASE_UNAVAILABLE;
        else if ((response.http.status ?? 200) !== 200 || (data != null && Object.values(data).some((v) => v !== null))) return;
        else if (codes.has(ErrorCode.UNAUTHENTICATED)) code = ErrorCode.UNAUTHENTICATED;
        else if (codes.has(ErrorCode.FORBIDDEN)) code = ErrorCode.FORBIDDEN;
        if (!code) return;
        const { status, headers } = httpHead(code);
        response.http.status = status;
        for (const [k, v] of Object.entries(headers)) response.http.headers.set(k, v);
      },
    }),
  };
}

/** One log line per GraphQL operation: who, what, how long, how it ended. */
export function operationLogPlugin(log: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => {
      const started = process.hrtime.bigint();
      return {
        willSendResponse: async (rc) => {
          const { response, contextValue } = rc;
          const body = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const codes = body.errors?.map((e) => e.extensions?.code);
          log.info(
            {
              requestId: contextValue.requestId,
              operation: operationNameOf(rc),
              principal: contextValue.auth.principal,
              ms: Number(process.hrtime.bigint() - started) / 1e6,
              outcome: codes?.length ? 'error' : 'ok',
              ...(codes?.length ? { codes } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}

/**
 * Apollo refuses some requests (a persisted query whose hash does not match, an unsupported
 * persisted-query version) with a plain GraphQLError and an HTTP 4xx but no code, which the
 * formatter would mask as an internal error: they are the client's, BAD_REQUEST, message kept.
 */
export function clientRequestError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  if (formatted.extensions?.code !== ErrorCode.INTERNAL_SERVER_ERROR || formatted.path || !(error instanceof GraphQLError)) return null;
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (status === undefined || status < 400 || status >= 500) return null;
  return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_REQUEST } };
}
