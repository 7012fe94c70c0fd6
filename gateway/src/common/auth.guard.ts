import {
  ForbiddenException,
  ServiceUnavailableException,
  Inject,
  Injectable,
  SetMetadata,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenRejectedError, type Principal, type TokenVerifier } from '@linli/auth';
import type { FastifyRequest } from 'fastify';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
const PUBLIC = 'linli:public';
const ROLES = 'linli:roles';

/** The route needs no token (health, metrics, OpenAPI). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Coarse check on realm roles; what a principal may do *where* is checked by the owning service. */
export const RequireRoles = (...roles: string[]) => SetMetadata(ROLES, roles);

type AuthedRequest = FastifyRequest & { principal?: Principal };

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<AuthedRequest>().principal;
});

/** Every /v1 route needs a valid Keycloak access token (validated offline against the realm JWKS). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const token = this.verifier.parseBearer(req.headers.authorization);
    if (!token) throw new TokenRejectedError('missing', 'no bearer token');
    try {
      req.principal = await this.verifier.verify(token);
    } catch (e) {
      if (e instanceof TokenRejectedError) throw e;
      // The realm's keys could not be fetched: our problem, not the caller's token.
      throw new ServiceUnavailableException({
        code: 'IDENTITY_PROVIDER_UNAVAILABLE',
        message: 'The identity provider cannot be reached to check the token.',
      });
    }
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES, targets);
    if (roles?.length && !roles.some((r) => req.principal!.roles.includes(r))) {
      throw new ForbiddenException({
        code: 'ROLE_REQUIRED',
        message: `This route needs one of the roles: ${roles.join(', ')}.`,
      });
    }
    return true;
  }
}
