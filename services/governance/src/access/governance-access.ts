import { Injectable } from '@nestjs/common';
import { AccessService, type Principal } from '@linli/contracts';
import { ErrorCode, RpcClient, RpcError } from '@linli/messaging';
import { isUuid } from '@linli/persistence';
import { DataSource } from 'typeorm';
import { representativeSql } from '../electorate/electorate.repository.js';

/** Actions governance asks org about (org's access policy defines who holds them). */
export type GovernanceAction = 'governance.read' | 'governance.write' | 'governance.certify';

export interface SignedInResident {
  residentId: string;
  householdId: string;
  adultOn: string;
  nodePath: string[];
  representative: boolean;
}

export class NotFound extends RpcError {
  constructor(what: string) {
    super(ErrorCode.NOT_FOUND, `${what.toUpperCase()}_NOT_FOUND`, `No such ${what.replace(/_/g, ' ')}.`);
  }
}

/**
 * Who may act where. Operators: org's CheckAccess (a grant at a node covers its subtree; org caches scopes
 * for seconds, so a revoked role stops working within seconds). Residents: the signed-in account's resident,
 * from governance's projection of org's events (resident_account_linked, resident_joined, …).
 */
@Injectable()
export class GovernanceAccess {
  constructor(
    private readonly org: RpcClient,
    private readonly dataSource: DataSource,
  ) {}

  async may(principal: Principal | undefined, action: GovernanceAction, nodeId: string): Promise<boolean> {
    if (!principal?.subject || !isUuid(nodeId)) return false;
    const res = await this.org.call(AccessService.method.checkAccess, {
      subject: principal.subject,
      action,
      nodeId,
    });
    return res.allowed;
  }

  /** Throws NOT_FOUND (never "forbidden": outside the subtree a resource does not exist) unless allowed. */
  async require(
    principal: Principal | undefined,
    action: GovernanceAction,
    nodeId: string,
    what: string,
  ): Promise<void> {
    if (!(await this.may(principal, action, nodeId))) throw new NotFound(what);
  }

  /** The resident the principal signs in as, with their household (undefined if none or moved out). */
  async resident(principal: Principal | undefined): Promise<SignedInResident | undefined> {
    if (!principal?.subject) return undefined;
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT r.resident_id, r.household_id, to_char(r.adult_on, 'YYYY-MM-DD') AS adult_on, h.node_path,
              ${representativeSql('r.household_id')} IS NOT DISTINCT FROM r.resident_id AS representative
         FROM resident_accounts a
         JOIN org_residents r ON r.resident_id = a.resident_id AND r.left_at IS NULL AND r.joined_at IS NOT NULL
         JOIN org_households h ON h.household_id = r.household_id
        WHERE a.subject = $1`,
      [principal.subject],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      residentId: r.resident_id as string,
      householdId: r.household_id as string,
      adultOn: r.adult_on as string,
      nodePath: r.node_path as string[],
      representative: r.representative === true,
    };
  }
}
