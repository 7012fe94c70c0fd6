import { InboxEntity, OutboxEntity } from '@linli/messaging';
import { createDataSource } from '@linli/persistence';
import type { DataSource } from 'typeorm';
import { RoleAssignmentEntity } from '../access/role-assignment.entity.js';
import { NodeEntity } from '../nodes/node.entity.js';
import { CreateDivisionTree1764300000000 } from './migrations/1764300000000-create-division-tree.js';
import { AddHistorySearchAndRoles1764400000000 } from './migrations/1764400000000-add-history-search-and-roles.js';
import { BackfillNodeVersions1764400000001 } from './migrations/1764400000001-backfill-node-versions.js';
import { CreateHouseholdsAndResidents1764500000000 } from './migrations/1764500000000-create-households-and-residents.js';
import { SiblingNamesByKindAndCode1764600000000 } from './migrations/1764600000000-sibling-names-by-kind-and-code.js';
import { CreateOrganisations1764700000000 } from './migrations/1764700000000-create-organisations.js';
import { AddZonesAndManagingAuthority1764800000000 } from './migrations/1764800000000-add-zones-and-managing-authority.js';
import { CreateDwellingsAndOwnerships1764900000000 } from './migrations/1764900000000-create-dwellings-and-ownerships.js';
import { CreateImportJobs1765000000000 } from './migrations/1765000000000-create-import-jobs.js';
import { ImportJobsFromUploads1765100000000 } from './migrations/1765100000000-import-jobs-from-uploads.js';
import { DivisionImportRuns1765200000000 } from './migrations/1765200000000-division-import-runs.js';
import { AddResidentAccounts1765200000001 } from './migrations/1765200000001-add-resident-accounts.js';
import { PiRetention1765500000000 } from './migrations/1765500000000-pi-retention.js';
import { CurrentRepresentativeIndex1765500000001 } from './migrations/1765500000001-current-representative-index.js';
import { DropPathGist1765500000002 } from './migrations/1765500000002-drop-path-gist.js';
import { ParallelImportWriters1765700000000 } from './migrations/1765700000000-parallel-import-writers.js';
import { OutboxLz41765700000001 } from './migrations/1765700000001-outbox-lz4.js';
import { MembersLeftPartialIndex1765700000002 } from './migrations/1765700000002-members-left-partial-index.js';
import { ShorterBlindIndex1765700000003 } from './migrations/1765700000003-shorter-blind-index.js';
import { DropHouseholdsNodeIndex1765700000004 } from './migrations/1765700000004-drop-households-node-index.js';
import { DropPendingConsents1765700000005 } from './migrations/1765700000005-drop-pending-consents.js';

export const orgMigrations = [
  CreateDivisionTree1764300000000,
  AddHistorySearchAndRoles1764400000000,
  BackfillNodeVersions1764400000001,
  CreateHouseholdsAndResidents1764500000000,
  SiblingNamesByKindAndCode1764600000000,
  CreateOrganisations1764700000000,
  AddZonesAndManagingAuthority1764800000000,
  CreateDwellingsAndOwnerships1764900000000,
  CreateImportJobs1765000000000,
  ImportJobsFromUploads1765100000000,
  DivisionImportRuns1765200000000,
  AddResidentAccounts1765200000001,
  PiRetention1765500000000,
  CurrentRepresentativeIndex1765500000001,
  DropPathGist1765500000002,
  ParallelImportWriters1765700000000,
  OutboxLz41765700000001,
  MembersLeftPartialIndex1765700000002,
  ShorterBlindIndex1765700000003,
  DropHouseholdsNodeIndex1765700000004,
  DropPendingConsents1765700000005,
];

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
