import type { AuthResult, AuthScheme } from '../auth/auth.service';
import type { EndpointName } from '../faults/fault-config';

/** What the guard learns about a request, for the handler and for the request log. */
export interface RequestMeta {
  endpoint: EndpointName;
  scheme: AuthScheme | null;
  platformId: string | null;
  fault: string | null;
  auth: AuthResult | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    emulator: RequestMeta | null;
  }
}
