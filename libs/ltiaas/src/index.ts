export {
  ACCEPTED_SCHEMES,
  chooseAuthorization,
  DEFAULT_LTIK_SAFETY_MARGIN_MS,
  ENDPOINT_CLASSES,
  ltikAgeMs,
  LTIK_LIFETIME_MS,
  type AuthorizationChoice,
  type AuthScheme,
  type EndpointClass,
  type HeldCredentials,
  type HeldLtik,
  type LtiaasCredential,
} from './auth/authorization';
export { systemClock, type Clock } from './auth/clock';
export { LtiaasAuth, type LtiaasAuthOptions } from './auth/ltiaas-auth';
export { classifyResponse, classifyTransportError, type FailedResponse, type ResponseHeaders } from './errors/classify-failure';
export {
  LtiaasCredentialInvalidError,
  LtiaasError,
  LtiaasInvalidRequestError,
  LtiaasInvalidResponseError,
  LtiaasNotFoundError,
  LtiaasRetryableError,
  LtiaasSupersededError,
  MissingCredentialError,
  type LtiaasErrorKind,
  type LtiaasFailureContext,
  type MissingCredentialCode,
  type RetryReason,
} from './errors/ltiaas.exception';
export { parseRateLimitRemaining, parseRetryAfter } from './errors/retry-after';
export {
  LTIAAS_CLIENT_DEFAULTS,
  ltiaasEnvSchema,
  ltiaasOptionsFromEnv,
  type LtiaasClientOptions,
  type LtiaasEnv,
} from './client/ltiaas-client.options';
export type { LtiaasResponseEvent } from './client/ltiaas-http';
export {
  LtiaasClient,
  type CallOptions,
  type LineItemQuery,
  type MembershipList,
  type MembershipQuery,
  type PostScoreResult,
  type ResultQuery,
} from './client/ltiaas.client';
export {
  idTokenSchema,
  lineItemSchema,
  memberSchema,
  type ActivityProgress,
  type GradingProgress,
  type IdToken,
  type LineItem,
  type LineItemInput,
  type LtiaasResult,
  type Member,
  type MemberStatus,
  type MembershipContext,
  type MembershipPage,
  type Score,
} from './client/ltiaas.schemas';
export { LTIAAS_OPTIONS, LtiaasModule } from './ltiaas.module';
