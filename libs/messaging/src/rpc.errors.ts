import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ErrorCode, ErrorSchema, type Error as ErrorMessage, type FieldViolation } from '@linli/contracts';

export { ErrorCode };

/**
 * A typed failure that crosses a process boundary as `linli.common.v1.Error`. Services throw subclasses of
 * it with a domain reason (e.g. NODE_NOT_FOUND); the gateway maps `code` to an HTTP status.
 */
export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: string,
    message: string,
    readonly violations: Array<Pick<FieldViolation, 'field' | 'description'>> = [],
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toMessage(): ErrorMessage {
    const init: MessageInitShape<typeof ErrorSchema> = {
      code: this.code,
      reason: this.reason,
      message: this.message,
      violations: this.violations.map((v) => ({ field: v.field, description: v.description })),
    };
    return create(ErrorSchema, init);
  }

  static fromMessage(m: ErrorMessage): RpcError {
    return new RpcError(m.code, m.reason, m.message, m.violations);
  }

  static invalidArgument(
    violations: Array<{ field: string; description: string }>,
    reason = 'INVALID_ARGUMENT',
  ) {
    return new RpcError(
      ErrorCode.INVALID_ARGUMENT,
      reason,
      violations.map((v) => `${v.field}: ${v.description}`).join('; '),
      violations,
    );
  }
}
