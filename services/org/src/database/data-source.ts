import { InboxEntity, OutboxEntity } from '@linli/messaging';
import { createDataSource } from '@linli/persistence';
import type { DataSource } from 'typeorm';
import { RoleAssignmentEntity } from '../access/role-assignment.entity.js';
import { NodeEntity } from '../nodes/node.entity.js';
import { CreateDivisionTree1764300000000 } from './migrations/1764300000000-create-division-tree.js';

export const orgMigrations = [CreateDivisionTree1764300000000];

/** The org service's data source: database `linli_org`, used by the app and by migrate.ts. */
export function orgDataSource(url: string, poolSize?: number): DataSource {
  return createDataSource({
    url,
    applicationName: 'linli-org',
    entities: [NodeEntity, RoleAssignmentEntity, OutboxEntity, InboxEntity],
    migrations: orgMigrations,
    poolSize,
  });
}
