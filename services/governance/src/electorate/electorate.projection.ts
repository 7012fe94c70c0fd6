import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  DwellingOwnersChangedSchema,
  HouseholdMovedSchema,
  HouseholdRegisteredSchema,
  HouseholdRepresentativeChangedSchema,
  HouseholdsImportedSchema,
  MemberRelation,
  ResidentAccountLinkedSchema,
  ResidentJoinedSchema,
  ResidentLeftSchema,
} from '@linli/contracts';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { ServiceRuntime } from '@linli/messaging';

const at = (t: Timestamp | undefined) => (t ? timestampDate(t) : new Date());

type Query = { query(sql: string, params: unknown[]): Promise<unknown> };

/** Where households live (registered or moved), the latest fact winning. */
async function locate(m: Query, households: Array<[string, string, string[]]>, when: Date): Promise<void> {
  if (households.length === 0) return;
  await m.query(
    `INSERT INTO org_households (household_id, node_id, node_path, located_at)
     SELECT h.household_id, h.node_id, h.node_path, $2
       FROM jsonb_to_recordset($1::jsonb) AS h(household_id uuid, node_id uuid, node_path uuid[])
     ON CONFLICT (household_id) DO UPDATE
       SET node_id = EXCLUDED.node_id, node_path = EXCLUDED.node_path, located_at = EXCLUDED.located_at
       WHERE org_households.located_at < EXCLUDED.located_at`,
    [
      JSON.stringify(
        households.map(([household_id, node_id, node_path]) => ({ household_id, node_id, node_path })),
      ),
      when,
    ],
  );
}

/** Residents who joined a household; a "left" seen earlier for the same membership (left after joining) is kept. */
async function join(
  m: Query,
  residents: ReadonlyArray<{
    householdId: string;
    residentId: string;
    relation: MemberRelation;
    adultOn: string;
  }>,
  when: Date,
): Promise<void> {
  if (residents.length === 0) return;
  await m.query(
    `INSERT INTO org_residents (resident_id, household_id, head, adult_on, joined_at)
     SELECT r.resident_id, r.household_id, r.head, r.adult_on, $2
       FROM jsonb_to_recordset($1::jsonb) AS r(resident_id uuid, household_id uuid, head boolean, adult_on date)
     ON CONFLICT (resident_id) DO UPDATE
       SET household_id = EXCLUDED.household_id, head = EXCLUDED.head, adult_on = EXCLUDED.adult_on,
           joined_at = EXCLUDED.joined_at,
           left_at = CASE WHEN org_residents.household_id = EXCLUDED.household_id
                            AND org_residents.left_at > EXCLUDED.joined_at
                          THEN org_residents.left_at END
       WHERE org_residents.joined_at IS NULL OR org_residents.joined_at < EXCLUDED.joined_at`,
    [
      JSON.stringify(
        residents.map((r) => ({
          resident_id: r.residentId,
          household_id: r.householdId,
          head: r.relation === MemberRelation.HEAD,
          adult_on: r.adultOn,
        })),
      ),
      when,
    ],
  );
}

/**
 * The electorate's inputs, projected from org's events: households with their place in the tree and their
 * representative, residents with the day they turn 18 (RC-3) and whether they still live there, and which
 * account each resident signs in as. A household's representative is the one org last designated, or else
 * its head (org makes the first adult head the representative without a separate event).
 *
 * Every handler runs in the inbox transaction (a redelivered event is skipped) and is itself idempotent. Each
 * event type has its own durable consumer, so types arrive in any order relative to each other: every write is
 * an upsert guarded by the event's time, so an older event never overwrites a newer fact.
 */
@Injectable()
export class ElectorateProjection implements OnModuleInit {
  constructor(private readonly runtime: ServiceRuntime) {}

  onModuleInit(): void {
    const r = this.runtime;
    r.consume(HouseholdRegisteredSchema, async (e, m) => {
      await locate(m, [[e.householdId, e.nodeId, e.nodePath]], at(e.occurredAt));
    });
    r.consume(HouseholdMovedSchema, async (e, m) => {
      await locate(m, [[e.householdId, e.newNodeId, e.nodePath]], at(e.occurredAt));
    });
    r.consume(ResidentJoinedSchema, async (e, m) => {
      await join(m, [e], at(e.occurredAt));
    });
    // A batch of a bulk import: its entries as the events above, in two statements.
    r.consume(HouseholdsImportedSchema, async (e, m) => {
      const when = at(e.occurredAt);
      await locate(
        m,
        e.places.flatMap((p) =>
          p.householdIds.map((id): [string, string, string[]] => [id, p.nodeId, p.nodePath]),
        ),
        when,
      );
      await join(m, e.residents, when);
    });
    r.consume(ResidentLeftSchema, async (e, m) => {
      const when = at(e.occurredAt);
      await m.query(
        `INSERT INTO org_residents (resident_id, household_id, left_at) VALUES ($1, $2, $3)
         ON CONFLICT (resident_id) DO UPDATE SET left_at = EXCLUDED.left_at
           WHERE org_residents.household_id = EXCLUDED.household_id
             AND (org_residents.joined_at IS NULL OR org_residents.joined_at <= EXCLUDED.left_at)`,
        [e.residentId, e.householdId, when],
      );
      if (e.wasRepresentative) await this.representative(m, e.householdId, null, when);
    });
    r.consume(HouseholdRepresentativeChangedSchema, async (e, m) => {
      await this.representative(m, e.householdId, e.residentId || null, at(e.occurredAt));
    });
    // Owners' roll inputs (OW-1): each dwelling's area and owners, the latest change winning.
    r.consume(DwellingOwnersChangedSchema, async (e, m) => {
      await m.query(
        `INSERT INTO owner_dwellings (dwelling_id, node_id, node_path, area_centi_m2, developer_held, owner_resident_ids,
                                      changed_at)
         VALUES ($1, $2, $3::uuid[], $4, $5, $6::uuid[], $7)
         ON CONFLICT (dwelling_id) DO UPDATE
           SET node_id = EXCLUDED.node_id, node_path = EXCLUDED.node_path, area_centi_m2 = EXCLUDED.area_centi_m2,
               developer_held = EXCLUDED.developer_held, owner_resident_ids = EXCLUDED.owner_resident_ids,
               changed_at = EXCLUDED.changed_at
           WHERE owner_dwellings.changed_at < EXCLUDED.changed_at`,
        [
          e.dwellingId,
          e.nodeId,
          e.nodePath.length ? e.nodePath : [e.nodeId],
          e.areaCentiM2.toString(),
          e.developerHeld,
          e.ownerResidentIds,
          at(e.occurredAt),
        ],
      );
    });
    r.consume(ResidentAccountLinkedSchema, async (e, m) => {
      const when = at(e.occurredAt);
      const newer: unknown[] = await m.query(
        `SELECT 1 FROM resident_accounts WHERE (resident_id = $1 OR subject = $2) AND linked_at > $3`,
        [e.residentId, e.subject, when],
      );
      if (newer.length > 0) return;
      await m.query(`DELETE FROM resident_accounts WHERE resident_id = $1 OR subject = $2`, [
        e.residentId,
        e.subject,
      ]);
      if (e.subject) {
        await m.query(`INSERT INTO resident_accounts (subject, resident_id, linked_at) VALUES ($1, $2, $3)`, [
          e.subject,
          e.residentId,
          when,
        ]);
      }
    });
  }

  private async representative(
    m: Query,
    householdId: string,
    residentId: string | null,
    when: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO org_representatives (household_id, resident_id, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (household_id) DO UPDATE SET resident_id = EXCLUDED.resident_id, changed_at = EXCLUDED.changed_at
         WHERE org_representatives.changed_at < EXCLUDED.changed_at`,
      [householdId, residentId, when],
    );
  }
}
