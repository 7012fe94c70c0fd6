import { ErrorCode, RpcError } from '@linli/messaging';

/** Governance's typed refusals: the domain reason travels as `reason`, the field (if any) as a violation. */
export class GovernanceError extends RpcError {
  /** A rule refuses the command as things stand (FAILED_PRECONDITION). */
  static rule(reason: string, message: string, field?: string): GovernanceError {
    return GovernanceError.of(ErrorCode.FAILED_PRECONDITION, reason, message, field);
  }

  /** The thing exists already (ALREADY_EXISTS, a conflict at the gateway). */
  static exists(reason: string, message: string, field?: string): GovernanceError {
    return GovernanceError.of(ErrorCode.ALREADY_EXISTS, reason, message, field);
  }

  private static of(code: ErrorCode, reason: string, message: string, field?: string): GovernanceError {
    return new GovernanceError(code, reason, message, field ? [{ field, description: message }] : []);
  }
}
