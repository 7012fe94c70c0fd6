import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { checkNats, type NatsConnection } from '@linli/messaging';
import { metricsRegistry, runChecks } from '@linli/observability';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth.guard.js';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Liveness, readiness (NATS reachable; the gateway has no database) and Prometheus metrics. */
@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  draining = false;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  @Get('health/live')
  live() {
    return { status: 'up' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (this.draining) {
      void reply.status(503);
      return { status: 'draining' };
    }
    const result = await runChecks({ nats: () => checkNats(this.nc) });
    if (!result.ok) void reply.status(503);
    return { status: result.ok ? 'up' : 'down', ...result };
  }

  @Get('metrics')
  @Header('content-type', metricsRegistry.contentType)
  metrics() {
    return metricsRegistry.metrics();
  }
}
