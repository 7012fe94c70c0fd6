import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  create,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type DescMethodUnary,
  type JsonValue,
  type MessageShape,
} from '@bufbuild/protobuf';
import { ErrorCode, RpcError, type RpcHandler } from '@linli/messaging';
import { queryRows } from '@linli/persistence';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

/** A command still running for longer than this is taken to have died with its process. */
const ABANDONED_AFTER = '2 minutes';

/**
 * Makes governance's commands safe to retry: the gateway sends the caller's Idempotency-Key (or its own request
 * id) as the request id; the first run's response is kept per (subject, request id, method, payload hash) and a
 * retry gets it back instead of running the command again. A retry while the first run is still going gets
 * CONFLICT (REQUEST_IN_PROGRESS); a failed run keeps nothing, so a retry runs again. Never used for ballots: the
 * response holds the receipt secret, which must not be stored next to the voter.
 */
@Injectable()
export class CommandLog implements OnModuleInit, OnModuleDestroy {
  private pruning?: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.pruning = setInterval(() => void this.prune().catch(() => undefined), 3_600_000);
    this.pruning.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruning);
  }

  wrap<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    handler: RpcHandler<I, O>,
  ): RpcHandler<I, O> {
    return async (req, ctx) => {
      const subject = ctx.principal?.subject;
      if (!subject || !ctx.requestId) return handler(req, ctx);
      const key = [
        subject,
        ctx.requestId,
        method.name,
        createHash('sha256').update(toBinary(method.input, req)).digest('hex'),
      ];
      const claimed = await queryRows<{ response: JsonValue | null }>(
        this.dataSource,
        `INSERT INTO processed_commands (subject, request_id, method, payload_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (subject, request_id, method, payload_hash) DO UPDATE SET started_at = now()
           WHERE processed_commands.response IS NULL AND processed_commands.started_at < now() - interval '${ABANDONED_AFTER}'
         RETURNING response`,
        key,
      );
      if (claimed.length === 0) {
        const [earlier] = await queryRows<{ response: JsonValue | null }>(
          this.dataSource,
          `SELECT response FROM processed_commands WHERE subject = $1 AND request_id = $2 AND method = $3 AND payload_hash = $4`,
          key,
        );
        if (earlier?.response != null) return fromJson(method.output, earlier.response) as MessageShape<O>;
        throw new RpcError(
          ErrorCode.CONFLICT,
          'REQUEST_IN_PROGRESS',
          'The same request is still being processed; retry shortly.',
        );
      }
      try {
        const out = await handler(req, ctx);
        const message = create(method.output, out);
        await this.dataSource.query(
          `UPDATE processed_commands SET response = $5, completed_at = now()
            WHERE subject = $1 AND request_id = $2 AND method = $3 AND payload_hash = $4`,
          [...key, JSON.stringify(toJson(method.output, message))],
        );
        return message;
      } catch (e) {
        await this.dataSource.query(
          `DELETE FROM processed_commands WHERE subject = $1 AND request_id = $2 AND method = $3 AND payload_hash = $4
             AND response IS NULL`,
          key,
        );
        throw e;
      }
    };
  }

  /** Drops entries older than a day (retries come within minutes). */
  async prune(): Promise<void> {
    await this.dataSource.query(`DELETE FROM processed_commands WHERE started_at < now() - interval '1 day'`);
  }
}
