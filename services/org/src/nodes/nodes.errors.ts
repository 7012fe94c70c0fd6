import { ErrorCode, RpcError } from '@linli/messaging';

export enum NodesErrorReason {
  NODE_NOT_FOUND = 'NODE_NOT_FOUND',
  PARENT_NOT_FOUND = 'PARENT_NOT_FOUND',
  NODE_KIND_NOT_ALLOWED_HERE = 'NODE_KIND_NOT_ALLOWED_HERE',
  NODE_NAME_TAKEN = 'NODE_NAME_TAKEN',
  NODE_CODE_TAKEN = 'NODE_CODE_TAKEN',
  NODE_CODE_OUTSIDE_PARENT = 'NODE_CODE_OUTSIDE_PARENT',
  INVALID_CURSOR = 'INVALID_CURSOR',
  NODE_VERSION_CONFLICT = 'NODE_VERSION_CONFLICT',
  NODE_HAS_CHILDREN = 'NODE_HAS_CHILDREN',
  MOVE_INTO_OWN_SUBTREE = 'MOVE_INTO_OWN_SUBTREE',
}

export class NodesError extends RpcError {
  static notFound(): NodesError {
    return new NodesError(ErrorCode.NOT_FOUND, NodesErrorReason.NODE_NOT_FOUND, 'No such node.');
  }

  /** Also what a principal outside the parent's subtree gets: it must not learn that the node exists. */
  static parentNotFound(): NodesError {
    return new NodesError(ErrorCode.NOT_FOUND, NodesErrorReason.PARENT_NOT_FOUND, 'No such parent node.');
  }

  static kindNotAllowed(parentKind: string, kind: string): NodesError {
    return new NodesError(
      ErrorCode.FAILED_PRECONDITION,
      NodesErrorReason.NODE_KIND_NOT_ALLOWED_HERE,
      `A ${kind} cannot be added under a ${parentKind}.`,
    );
  }

  static nameTaken(): NodesError {
    return new NodesError(
      ErrorCode.ALREADY_EXISTS,
      NodesErrorReason.NODE_NAME_TAKEN,
      'The parent already has a node with this name.',
    );
  }

  static codeTaken(): NodesError {
    return new NodesError(
      ErrorCode.ALREADY_EXISTS,
      NodesErrorReason.NODE_CODE_TAKEN,
      'A node already has this code.',
    );
  }

  static codeOutsideParent(): NodesError {
    return new NodesError(
      ErrorCode.FAILED_PRECONDITION,
      NodesErrorReason.NODE_CODE_OUTSIDE_PARENT,
      "The code does not continue the parent's code (AD-2).",
    );
  }

  static versionConflict(): NodesError {
    return new NodesError(
      ErrorCode.CONFLICT,
      NodesErrorReason.NODE_VERSION_CONFLICT,
      'The node changed since you read it; read it again and retry.',
    );
  }

  static hasChildren(): NodesError {
    return new NodesError(
      ErrorCode.FAILED_PRECONDITION,
      NodesErrorReason.NODE_HAS_CHILDREN,
      'Retire or move its children first.',
    );
  }

  static moveIntoOwnSubtree(): NodesError {
    return new NodesError(
      ErrorCode.FAILED_PRECONDITION,
      NodesErrorReason.MOVE_INTO_OWN_SUBTREE,
      'A node cannot be moved under itself or its descendants.',
    );
  }

  static invalidCursor(): NodesError {
    return new NodesError(
      ErrorCode.INVALID_ARGUMENT,
      NodesErrorReason.INVALID_CURSOR,
      'The cursor is not valid.',
      [{ field: 'cursor', description: 'is not a cursor this service issued' }],
    );
  }
}
