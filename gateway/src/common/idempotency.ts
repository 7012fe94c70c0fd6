import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

const KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The `Idempotency-Key` header, validated: 1–128 characters of [A-Za-z0-9_.:-]. */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
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
  },
);
