import { InboxEntity, OutboxEntity } from '@linli/messaging';
import { createDataSource } from '@linli/persistence';
import type { DataSource } from 'typeorm';
import { OrgUnitRefEntity } from '../communities/org-unit-ref.entity.js';
import { CreateOrgUnitRefs1764300000000 } from './migrations/1764300000000-create-org-unit-refs.js';
import { CreateGovernance1765200000000 } from './migrations/1765200000000-create-governance.js';
import { OwnersAssembly1765300000000 } from './migrations/1765300000000-owners-assembly.js';
import { ResidentsGroups1765400000000 } from './migrations/1765400000000-residents-groups.js';
import { ProcessedCommands1765500000000 } from './migrations/1765500000000-processed-commands.js';
import { ElectionProxies1765600000000 } from './migrations/1765600000000-election-proxies.js';
import { OutboxLz41765700000000 } from './migrations/1765700000000-outbox-lz4.js';

export const governanceMigrations = [
  CreateOrgUnitRefs1764300000000,
  CreateGovernance1765200000000,
  OwnersAssembly1765300000000,
  ResidentsGroups1765400000000,
  ProcessedCommands1765500000000,
  ElectionProxies1765600000000,
  OutboxLz41765700000000,
];

/** The governance service's data source: database `linli_governance`. */
export function governanceDataSource(url: string, poolSize?: number): DataSource {
  return createDataSource({
    url,
    applicationName: 'linli-governance',
    entities: [OrgUnitRefEntity, OutboxEntity, InboxEntity],
    migrations: governanceMigrations,
    poolSize,
  });
}
