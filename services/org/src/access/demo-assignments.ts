import { readFile } from 'node:fs/promises';
import { newId } from '@linli/persistence';
import type { DataSource } from 'typeorm';
import type { ScopedRole } from './role-assignment.entity.js';

/** The scoped role that goes with an operator's home node kind. */
const ROLE_BY_KIND: Record<string, ScopedRole> = {
  province: 'city_admin',
  city: 'city_admin',
  district: 'district_operator',
  street: 'street_operator',
  town: 'street_operator',
  township: 'street_operator',
  community: 'community_operator',
  village: 'community_operator',
};

interface RealmUser {
  id: string;
  username: string;
  attributes?: Record<string, string[]>;
}

/**
 * Grants the demo realm's operators their scoped roles: each user's `linli_scope_code` attribute in the
 * Keycloak realm export names the node they operate (成都市, 成华区, 丹景山镇, 下涧槽社区 …). Idempotent.
 */
export async function grantDemoAssignments(dataSource: DataSource, realmFile: string) {
  const realm = JSON.parse(await readFile(realmFile, 'utf8')) as { users?: RealmUser[] };
  const granted: Array<{ username: string; role: ScopedRole; code: string }> = [];
  for (const user of realm.users ?? []) {
    const code = user.attributes?.linli_scope_code?.[0];
    if (!code) continue;
    const [node]: Array<{ id: string; kind: string }> = await dataSource.query(
      'SELECT id, kind FROM nodes WHERE code = $1 AND retired_at IS NULL',
      [code],
    );
    if (!node)
      throw new Error(`demo user ${user.username}: no node with code ${code}; import its divisions first`);
    const role = ROLE_BY_KIND[node.kind];
    await dataSource.query(
      `INSERT INTO role_assignments (id, subject, role, node_id, granted_at, granted_by)
       VALUES ($1, $2, $3, $4, now(), 'demo-seed')
       ON CONFLICT (subject, role, node_id) WHERE revoked_at IS NULL DO NOTHING`,
      [newId(), user.id, role, node.id],
    );
    granted.push({ username: user.username, role, code });
  }
  return granted;
}
