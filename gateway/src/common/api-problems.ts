import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (problem+json with `errors`)',
  401: 'Missing or invalid bearer token',
  403: 'The token lacks the role this route needs',
  404: 'Not found, or outside your scope',
  409: 'Conflicts with existing data',
  422: 'Valid request that the rules refuse',
  503: 'A service is unavailable',
  504: 'A service did not answer in time',
};

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', example: 'NODE_NOT_FOUND' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, description: { type: 'string' } } },
    },
  },
};

/** Documents the RFC 9457 problem responses a route can give (503 and 504 apply to every RPC route). */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...[...statuses, 503, 504].map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      }),
    ),
  );
}
