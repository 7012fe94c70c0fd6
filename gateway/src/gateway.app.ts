import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { createTokenVerifier } from '@linli/auth';
import { RpcClient, connectNats } from '@linli/messaging';
import { createLogger, nestLogger, platformMetrics, type Logger } from '@linli/observability';
import { ProblemFilter } from './common/problem.filter.js';
import { validationPipe } from './common/validation.js';
import type { GatewayConfig } from './config.js';
import { GatewayModule } from './gateway.module.js';
import { HealthController } from './health/health.controller.js';
import { IMPORT_CONTENT_TYPES } from './org/imports.controller.js';

export interface GatewayApp {
  app: NestFastifyApplication;
  url: string;
  openApi: OpenAPIObject;
  logger: Logger;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Builds and starts the gateway (listening on HTTP_PORT; 0 picks a free port). */
export async function startGateway(
  config: GatewayConfig,
  options: { logger?: Logger } = {},
): Promise<GatewayApp> {
  const logger = options.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const nc = await connectNats({ servers: config.NATS_URL, name: 'gateway', logger });
  const rpc = new RpcClient(nc, {
    timeoutMs: config.RPC_TIMEOUT_MS,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
  });
  const verifier = createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE,
    jwksUri: config.OIDC_JWKS_URI,
    jwksCooldownMs: config.OIDC_JWKS_COOLDOWN_MS,
  });

  const adapter = new FastifyAdapter({
    // Our own request id, or the caller's when it is well-formed; echoed in x-request-id.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    logger: false,
    // Requests Node's HTTP parser refuses (e.g. raw non-ASCII bytes in the path) still get problem+json.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: import('node:net').Socket) => {
      if (!socket.writable) return socket.destroy();
      const body = JSON.stringify({
        type: 'https://linli.dev/problems/malformed-request',
        title: 'Bad Request',
        status: 400,
        code: 'MALFORMED_REQUEST',
        detail: 'The request could not be parsed (percent-encode non-ASCII characters in the URL).',
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      void err;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot({ nc, rpc, verifier, streamSuffix: config.NATS_STREAM_SUFFIX }),
    adapter,
    {
      logger: nestLogger(logger),
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // Bulk-import files arrive as the raw request body.
  fastify.addContentTypeParser(
    [IMPORT_CONTENT_TYPES.csv, IMPORT_CONTENT_TYPES.xlsx],
    { parseAs: 'buffer', bodyLimit: config.IMPORT_MAX_BYTES },
    (_req, body, done) => done(null, body),
  );
  fastify.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    platformMetrics.httpRequestDuration
      .labels(req.method, route, String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    logger.info(
      {
        requestId: req.id,
        method: req.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });
  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(validationPipe());

  const openApi = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Linli API')
      .setDescription(
        'Linli (邻里): city-wide community co-governance. All /v1 routes need a Keycloak bearer token (realm `linli`, audience `linli-api`). Errors are RFC 9457 application/problem+json.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, openApi, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });

  await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ url }, 'gateway listening');
  return {
    app,
    url,
    openApi,
    logger,
    async stop() {
      // Stop taking work (readiness 503), let requests in flight finish, then close NATS.
      app.get(HealthController).draining = true;
      await app.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
