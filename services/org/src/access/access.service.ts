import { Injectable } from '@nestjs/common';
import type { Principal } from '@linli/contracts';
import { AccessRepository } from './access.repository.js';
import type { ScopedRole } from './role-assignment.entity.js';

/** Roles that may change the division tree under the node they are held at. */
export const TREE_EDITORS: readonly ScopedRole[] = [
  'city_admin',
  'district_operator',
  'street_operator',
  'community_operator',
];

/** Answers "may this principal act on this part of the tree", from scoped role assignments. */
@Injectable()
export class AccessService {
  constructor(private readonly access: AccessRepository) {}

  async mayEditUnder(principal: Principal | undefined, nodePath: string): Promise<boolean> {
    if (!principal?.subject) return false;
    return this.access.holdsRoleOver(principal.subject, nodePath, TREE_EDITORS);
  }
}
