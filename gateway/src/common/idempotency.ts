import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

const KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY.test(value)) {
    throw new BadRequestException({
      code: 'INVALID_ARGUMENT',
      errors: [
        { field: 'Idempotency-Key', description: 'must be 1–128 characters of A–Z, a–z, 0–9, _ . : -' },
      ],
    });
  }
  return value;
}

/** The `Idempotency-Key` header, validated: 1–128 characters of [A-Za-z0-9_.:-]. */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined =>
  idempotencyKeyOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

/** This request's id (the caller's well-formed `x-request-id`, or one the gateway made up). */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  String(ctx.switchToHttp().getRequest<FastifyRequest>().id),
);

/**
 * The request id a command travels under: the `Idempotency-Key` when the caller sent one (so a retry carries
 * the same id and the service can answer it from what it recorded), otherwise this request's id.
 */
export const CommandRequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  return idempotencyKeyOf(req) ?? String(req.id);
});

/** Documents the optional `Idempotency-Key` header of a command route. */
export const ApiIdempotencyKey = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Repeat-safe key (1–128 of A–Z a–z 0–9 _ . : -): a retry with the same key is not applied twice',
  });
