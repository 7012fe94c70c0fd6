import { Injectable } from '@nestjs/common';
import { ErrorCode, RpcError } from '@linli/messaging';
import type { EntityManager } from 'typeorm';
import {
  conversionConsented,
  ownersMajorMatterPasses,
  ownersOrdinaryMatterPasses,
  ownersParticipationValid,
  type OwnersCount,
} from '../rules/thresholds.js';
import { ownerGroups, type OwnedDwelling } from './owners-roll.js';

export interface Participation {
  total: OwnersCount;
  participating: OwnersCount;
  valid: boolean;
}

const fmt = (c: OwnersCount) => `${c.owners} owners / ${(Number(c.area) / 100).toFixed(2)} m²`;

/**
 * Owners' assemblies (Civil Code Art. 278): the roll snapshotted at opening (OW-1), participation by area and
 * headcount (OW-2), owners' signed votes (OW-9), and decisions by the double thresholds (OW-3, OW-4) or the
 * consent of every affected owner (OW-5).
 */
@Injectable()
export class OwnersAssembly {
  /** OW-1 groups of the dwellings under the scope, written as the meeting's roll. Returns the headcount. */
  async snapshotRoll(m: EntityManager, meetingId: string, scopeNodeId: string): Promise<number> {
    const rows: Array<{
      dwelling_id: string;
      area_centi_m2: string;
      developer_held: boolean;
      owner_resident_ids: string[];
    }> = await m.query(
      `SELECT dwelling_id, area_centi_m2, developer_held, owner_resident_ids FROM owner_dwellings
          WHERE node_path @> ARRAY[$1]::uuid[]`,
      [scopeNodeId],
    );
    const dwellings: OwnedDwelling[] = rows.map((r) => ({
      dwellingId: r.dwelling_id,
      areaCentiM2: BigInt(r.area_centi_m2),
      developerHeld: r.developer_held,
      ownerIds: r.owner_resident_ids,
    }));
    const groups = ownerGroups(dwellings);
    if (groups.length > 0) {
      await m.query(
        `INSERT INTO owners_roll (meeting_id, voter_key, area_centi_m2, resident_ids, dwelling_ids)
         SELECT $1, k, a, coalesce(string_to_array(r, ','), '{}')::uuid[], string_to_array(d, ',')::uuid[]
           FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[]) AS t(k, a, r, d)`,
        [
          meetingId,
          groups.map((g) => g.key),
          groups.map((g) => g.areaCentiM2.toString()),
          groups.map((g) => g.residentIds.join(',') || null),
          groups.map((g) => g.dwellingIds.join(',')),
        ],
      );
    }
    return groups.length;
  }

  /** The owner (OW-1 group) a resident votes as, on this meeting's roll. */
  async voterOf(m: EntityManager, meetingId: string, residentId: string): Promise<string | undefined> {
    const rows: Array<{ voter_key: string }> = await m.query(
      `SELECT voter_key FROM owners_roll WHERE meeting_id = $1 AND resident_ids @> ARRAY[$2]::uuid[]`,
      [meetingId, residentId],
    );
    return rows[0]?.voter_key;
  }

  /** OW-2: ≥ 2/3 of the area and ≥ 2/3 of the owners take part. */
  async participation(m: EntityManager, meetingId: string): Promise<Participation> {
    const [r] = (await m.query(
      `SELECT coalesce(sum(o.area_centi_m2), 0)::text AS area, count(*)::int AS n,
              coalesce(sum(o.area_centi_m2) FILTER (WHERE a.attendee_id IS NOT NULL), 0)::text AS p_area,
              count(a.attendee_id)::int AS p_n
         FROM owners_roll o
         LEFT JOIN meeting_attendance a ON a.meeting_id = o.meeting_id AND a.attendee_id = o.voter_key
        WHERE o.meeting_id = $1`,
      [meetingId],
    )) as Array<{ area: string; n: number; p_area: string; p_n: number }>;
    const total = { area: BigInt(r.area), owners: BigInt(r.n) };
    const participating = { area: BigInt(r.p_area), owners: BigInt(r.p_n) };
    return {
      total,
      participating,
      valid: total.owners > 0n && ownersParticipationValid(participating, total),
    };
  }

  async recordVotes(
    m: EntityManager,
    meetingId: string,
    motionId: string,
    votes: Array<{ residentId: string; choice: 'yes' | 'no' | 'abstain' }>,
    by: string | null,
  ): Promise<void> {
    for (const [i, v] of votes.entries()) {
      const key = await this.voterOf(m, meetingId, v.residentId);
      if (!key) {
        throw RpcError.invalidArgument([
          { field: `votes[${i}].resident_id`, description: "is not an owner on this assembly's roll" },
        ]);
      }
      // Voting is taking part (OW-2): a written or in-person vote records the owner as participating.
      await m.query(
        `INSERT INTO meeting_attendance (meeting_id, attendee_id, recorded_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [meetingId, key, by],
      );
      await m.query(
        `INSERT INTO owner_votes (motion_id, voter_key, choice, signed_by, recorded_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (motion_id, voter_key) DO UPDATE
           SET choice = EXCLUDED.choice, signed_by = EXCLUDED.signed_by, recorded_by = EXCLUDED.recorded_by,
               recorded_at = now()`,
        [motionId, key, v.choice, v.residentId, by],
      );
    }
  }

  /** The owners whose consent a conversion needs: every other owner in the dwelling's building, plus those flagged. */
  async affectedOwners(
    m: EntityManager,
    meetingId: string,
    dwellingId: string,
    alsoAffected: string[],
  ): Promise<string[]> {
    const rows: Array<{ voter_key: string }> = await m.query(
      `SELECT DISTINCT o.voter_key FROM owners_roll o
         JOIN owner_dwellings d ON d.dwelling_id = ANY(o.dwelling_ids)
        WHERE o.meeting_id = $1
          AND d.node_id = (SELECT node_id FROM owner_dwellings WHERE dwelling_id = $2)
          AND NOT (o.dwelling_ids @> ARRAY[$2]::uuid[])
       UNION
       SELECT o.voter_key FROM owners_roll o WHERE o.meeting_id = $1 AND o.resident_ids && $3::uuid[]`,
      [meetingId, dwellingId, alsoAffected],
    );
    return rows.map((r) => r.voter_key).sort();
  }

  async decide(
    m: EntityManager,
    meetingId: string,
    motion: { id: string; kind: string; affected_owner_ids: string[] },
  ): Promise<{ passed: boolean; explanation: string; yes: OwnersCount }> {
    const p = await this.participation(m, meetingId);
    if (!p.valid) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'NOT_QUORATE',
        `OW-2: taking part ${fmt(p.participating)} of ${fmt(p.total)}; at least 2/3 of both are needed.`,
      );
    }
    const yesRows: Array<{ voter_key: string; area: string }> = await m.query(
      `SELECT v.voter_key, o.area_centi_m2::text AS area FROM owner_votes v
         JOIN owners_roll o ON o.meeting_id = $1 AND o.voter_key = v.voter_key
        WHERE v.motion_id = $2 AND v.choice = 'yes'`,
      [meetingId, motion.id],
    );
    const yes = {
      area: yesRows.reduce((s, r) => s + BigInt(r.area), 0n),
      owners: BigInt(yesRows.length),
    };
    if (motion.kind === 'use_conversion') {
      const ok = conversionConsented(
        motion.affected_owner_ids,
        yesRows.map((r) => r.voter_key),
      );
      const missing =
        motion.affected_owner_ids.length -
        yesRows.filter((r) => motion.affected_owner_ids.includes(r.voter_key)).length;
      return {
        passed: ok,
        yes,
        explanation: ok
          ? `all ${motion.affected_owner_ids.length} affected owners consent (OW-5)`
          : `${missing} of ${motion.affected_owner_ids.length} affected owners have not consented (OW-5)`,
      };
    }
    const major = motion.kind === 'owners_major_matter';
    const passed = major
      ? ownersMajorMatterPasses(yes, p.participating)
      : ownersOrdinaryMatterPasses(yes, p.participating);
    const rel = major ? '>= 3/4' : '> 1/2';
    return {
      passed,
      yes,
      explanation: `${passed ? '' : 'not '}yes ${fmt(yes)} ${rel} of participating ${fmt(p.participating)} by area and headcount (${major ? 'OW-3' : 'OW-4'})`,
    };
  }
}
