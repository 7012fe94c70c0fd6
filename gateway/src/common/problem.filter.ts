import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import { TokenRejectedError } from '@linli/auth';
import { ErrorCode, RpcError } from '@linli/messaging';
import type { Logger } from '@linli/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problem, type Problem } from './problem.js';

/** Typed error codes from services → HTTP status. */
export const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.INVALID_ARGUMENT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.PERMISSION_DENIED]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.ALREADY_EXISTS]: 409,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.FAILED_PRECONDITION]: 422,
  [ErrorCode.UNAVAILABLE]: 503,
  [ErrorCode.DEADLINE_EXCEEDED]: 504,
};

/** Every error leaves the gateway as application/problem+json; a client never sees a stack or a bare 500. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toProblem(error, req);
    body.instance = req.url?.split('?')[0];
    body.requestId = String(req.id);
    if (body.status === 401) {
      const reason = error instanceof TokenRejectedError ? error.reason : 'missing';
      reply.header(
        'www-authenticate',
        reason === 'missing' ? 'Bearer realm="linli"' : `Bearer realm="linli", error="invalid_token"`,
      );
    }
    if (body.status >= 500) this.logger.error({ err: error, requestId: req.id }, 'request failed');
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private toProblem(error: unknown, req: FastifyRequest): Problem {
    if (error instanceof TokenRejectedError) {
      return problem(401, 'UNAUTHENTICATED', 'A valid bearer token is required.');
    }
    if (error instanceof RpcError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status === 500) return problem(500, 'INTERNAL', 'The request could not be completed.');
      return problem(status, error.reason || ErrorCode[error.code], error.message, {
        ...(error.violations.length
          ? { errors: error.violations.map((v) => ({ field: v.field, description: v.description })) }
          : {}),
      });
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse() as {
        message?: unknown;
        code?: string;
        errors?: Problem['errors'];
      };
      if (status === 404 && !response.code) {
        return problem(404, 'ROUTE_NOT_FOUND', `No route ${req.method} ${req.url?.split('?')[0]}.`);
      }
      if (response.errors)
        return problem(status, response.code ?? 'INVALID_ARGUMENT', 'The request is not valid.', {
          errors: response.errors,
        });
      const message = Array.isArray(response.message)
        ? response.message.join('; ')
        : String(response.message ?? error.message);
      return problem(status, response.code ?? httpCode(status), status >= 500 ? undefined : message);
    }
    const fastifyError = error as { statusCode?: number; code?: string; message?: string };
    if (
      typeof fastifyError.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      // Fastify's own rejections: unparsable JSON, wrong content type, body too large.
      return problem(
        fastifyError.statusCode,
        fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : 'MALFORMED_REQUEST',
        fastifyError.message,
      );
    }
    return problem(500, 'INTERNAL', 'The request could not be completed.');
  }
}

function httpCode(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  }
}
