import {
  AreaSource,
  DwellingService,
  ErrorCode,
  HouseholdService,
  MemberRelation,
  NodeKind,
  NodeService,
} from '@linli/contracts';
import { composeResidentId } from '@linli/privacy';
import { expectEventually } from '@linli/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { orgFixture, principal, type OrgFixture } from './support.js';

const OPERATOR = 'dw-community-operator';
const as = { principal: principal(OPERATOR) };

describe('OW-1: dwellings, owners and the owners’ roll (real PostgreSQL + NATS)', () => {
  let f: OrgFixture;
  let compound: string;
  const residents: string[] = [];

  beforeAll(async () => {
    f = await orgFixture('org_dwellings');
    await f.grant(OPERATOR, 'community_operator', '510108007003');
    const community = await f.nodeIdByCode('510108007003');
    compound = (
      await f.client.call(
        NodeService.method.registerNode,
        { parentId: community, kind: NodeKind.COMPOUND, name: '锦绣苑' },
        as,
      )
    ).node!.id;
    for (let i = 0; i < 4; i++) {
      const { household } = await f.client.call(
        HouseholdService.method.registerHousehold,
        { nodeId: compound, label: `户${i}` },
        as,
      );
      const added = await f.client.call(
        HouseholdService.method.addMember,
        {
          householdId: household!.id,
          resident: {
            name: `业主${i}`,
            idNumber: composeResidentId('510108', '1975-01-0' + (i + 1), 20 + i),
          },
          relation: MemberRelation.HEAD,
        },
        as,
      );
      residents.push(added.household!.members[0].resident!.id);
    }
  });
  afterAll(() => f.close());

  it('counts owners by headcount and area: multi-unit owners and co-owners once, the developer once', async () => {
    const dwelling = async (label: string, area: bigint) =>
      (
        await f.client.call(
          DwellingService.method.registerDwelling,
          { nodeId: compound, label, areaCentiM2: area, areaSource: AreaSource.REGISTER },
          as,
        )
      ).dwelling!;
    const d1 = await dwelling('1-101', 8950n);
    const d2 = await dwelling('1-102', 10012n);
    const d3 = await dwelling('1-201', 9000n);
    const d4 = await dwelling('1-202', 9000n);
    await dwelling('1-301', 12000n); // unsold: developer-held
    const [a, b, c, d] = residents;
    await f.client.call(DwellingService.method.setOwners, { dwellingId: d1.id, ownerResidentIds: [a] }, as);
    await f.client.call(DwellingService.method.setOwners, { dwellingId: d2.id, ownerResidentIds: [a] }, as);
    await f.client.call(
      DwellingService.method.setOwners,
      { dwellingId: d3.id, ownerResidentIds: [b, c] },
      as,
    );
    const { roll } = await f.client.call(DwellingService.method.getOwnersRoll, { nodeId: compound }, as);
    // a (two dwellings) + b&c (co-owners) + the developer (1-202 and 1-301 unsold) = 3
    expect(roll).toMatchObject({
      headcount: 3n,
      areaCentiM2: 48962n,
      dwellingCount: 5n,
      developerHeldCount: 2n,
    });

    const sold = await f.client.call(
      DwellingService.method.setOwners,
      { dwellingId: d4.id, ownerResidentIds: [d] },
      as,
    );
    expect(sold.dwelling).toMatchObject({ developerHeld: false, ownerResidentIds: [d] });
    expect(
      (await f.client.call(DwellingService.method.getOwnersRoll, { nodeId: compound }, as)).roll!.headcount,
    ).toBe(4n);

    const jsm = await jetstreamManager(f.nc);
    await expectEventually(async () => {
      const m = await jsm.streams.getMessage(`EVT_ORG${f.streamSuffix}`, {
        last_by_subj: `${f.prefix}evt.org.v1.dwelling_owners_changed`,
      });
      expect(m?.json<{ dwellingId: string; areaCentiM2: string }>()).toMatchObject({
        dwellingId: d4.id,
        areaCentiM2: '9000',
        // Consumers scope the dwelling from the event alone.
        nodePath: expect.arrayContaining([compound]),
      });
    });
    const history = await f.org.runtime.dataSource.query(
      'SELECT count(*)::int AS n FROM ownerships WHERE dwelling_id = $1',
      [d4.id],
    );
    expect(history[0].n).toBe(1);
  });

  it('refuses dwellings outside a compound, a zero area, and owners who are not registered residents', async () => {
    const community = await f.nodeIdByCode('510108007003');
    await expect(
      f.client.call(
        DwellingService.method.registerDwelling,
        { nodeId: community, label: 'x', areaCentiM2: 100n, areaSource: AreaSource.SURVEY },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.FAILED_PRECONDITION });
    await expect(
      f.client.call(
        DwellingService.method.registerDwelling,
        { nodeId: compound, label: 'y', areaCentiM2: 0n, areaSource: AreaSource.SURVEY },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    const d = (
      await f.client.call(
        DwellingService.method.registerDwelling,
        { nodeId: compound, label: '9-9', areaCentiM2: 100n, areaSource: AreaSource.CONTRACT },
        as,
      )
    ).dwelling!;
    await expect(
      f.client.call(
        DwellingService.method.setOwners,
        { dwellingId: d.id, ownerResidentIds: ['0191a000-0000-7000-8000-00000000beef'] },
        as,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'RESIDENT_NOT_FOUND' });
  });
});
