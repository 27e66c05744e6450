import { ForbiddenException, Injectable, ServiceUnavailableException, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtVerifier } from './jwt-verifier';
import { PRINCIPAL_PROPERTY } from './principal';
import { REQUIRED_SCOPES } from './scopes.decorator';
import { SigningKeysUnavailableError, TOKEN_REJECTIONS, TokenRejectedError } from './token-rejection';

interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
}
interface HttpReplyLike {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Lets a request through only with a valid vault token that holds every
 * scope the route names with @Scopes(...). 401 names the failed check, 403
 * the missing scope; either way the handler never runs. The principal is left
 * on the request for @Principal().
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    const token = bearerToken(request.headers.authorization);
    let principal;
    try {
      if (!token) throw new TokenRejectedError('missing_token');
      principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) {
        // RFC 6750 §3: tell the client which scheme and why. The header gets the fixed reason only:
        // the detail can hold the token's own text, which has no place in a header.
        setHeader(http.getResponse<HttpReplyLike>(), 'WWW-Authenticate', `Bearer error="invalid_token", error_description="${TOKEN_REJECTIONS[error.reason]}"`);
        throw new UnauthorizedException(error.message);
      }
      if (error instanceof SigningKeysUnavailableError) throw new ServiceUnavailableException(error.message);
      throw error;
    }
    (request as unknown as Record<string, unknown>)[PRINCIPAL_PROPERTY] = principal;

    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]) ?? [];
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length) {
      setHeader(http.getResponse<HttpReplyLike>(), 'WWW-Authenticate', `Bearer error="insufficient_scope", scope="${required.join(' ')}"`);
      throw new ForbiddenException(`missing scope: ${missing.join(', ')}`);
    }
    return true;
  }
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header.trim())?.[1];
}

function setHeader(reply: HttpReplyLike, name: string, value: string): void {
  if (typeof reply.header === 'function') reply.header(name, value);
  else if (typeof reply.setHeader === 'function') reply.setHeader(name, value);
}
