import {
  ErrorCode,
  HouseholdService,
  MemberRelation,
  NodeKind,
  NodeService,
  OrganisationService,
  OrganisationType,
} from '@linli/contracts';
import { composeResidentId } from '@linli/privacy';
import { orgFixture, principal, type OrgFixture } from './support.js';

const OPERATOR = 'orgs-community-operator';
const AUDITOR = 'orgs-auditor';
const as = (s: string) => ({ principal: principal(s) });

describe('org: organisations on nodes and members’ terms (real PostgreSQL + NATS)', () => {
  let f: OrgFixture;
  let community: string;
  let compound: string;
  let residentId: string;

  beforeAll(async () => {
    f = await orgFixture('org_orgs');
    await f.grant(OPERATOR, 'community_operator', '510108007003');
    await f.grant(AUDITOR, 'auditor', '510108007003');
    community = await f.nodeIdByCode('510108007003');
    const { node } = await f.client.call(
      NodeService.method.registerNode,
      { parentId: community, kind: NodeKind.COMPOUND, name: '建设小区' },
      as(OPERATOR),
    );
    compound = node!.id;
    const { household } = await f.client.call(
      HouseholdService.method.registerHousehold,
      { nodeId: compound, label: '1栋101' },
      as(OPERATOR),
    );
    const withHead = await f.client.call(
      HouseholdService.method.addMember,
      {
        householdId: household!.id,
        resident: { name: '刘建国', idNumber: composeResidentId('510108', '1970-03-08', 7) },
        relation: MemberRelation.HEAD,
      },
      as(OPERATOR),
    );
    residentId = withHead.household!.members[0].resident!.id;
  });
  afterAll(() => f.close());

  const register = (nodeId: string, type: OrganisationType, name: string, creditCode = '') =>
    f.client.call(
      OrganisationService.method.registerOrganisation,
      { nodeId, type, name, creditCode },
      as(OPERATOR),
    );

  it('puts each kind of organisation only where it belongs', async () => {
    await expect(register(community, OrganisationType.OWNERS_COMMITTEE, '业委会')).rejects.toMatchObject({
      code: ErrorCode.FAILED_PRECONDITION,
      reason: 'ORGANISATION_NOT_ALLOWED_HERE',
    });
    const council = await register(community, OrganisationType.DELIBERATIVE_COUNCIL, '下涧槽社区议事会');
    expect(council.organisation).toMatchObject({
      type: OrganisationType.DELIBERATIVE_COUNCIL,
      nodeId: community,
    });
    await expect(
      register(compound, OrganisationType.PROPERTY_COMPANY, '某物业', '91510100MA6C1234'),
    ).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  it('the compound trio: one resident holds the party group, owners’ committee and property company roles at once', async () => {
    const party = (await register(compound, OrganisationType.PARTY_ORGANISATION, '建设小区党小组'))
      .organisation!;
    const owners = (await register(compound, OrganisationType.OWNERS_COMMITTEE, '建设小区业主委员会'))
      .organisation!;
    const company = (await register(compound, OrganisationType.PROPERTY_COMPANY, '建设物业服务有限公司'))
      .organisation!;
    for (const [org, position] of [
      [party, '组长'],
      [owners, '主任'],
      [company, '监督员'],
    ] as const) {
      await f.client.call(
        OrganisationService.method.addMembership,
        { organisationId: org.id, residentId, position, termStart: '2026-01-01', termEnd: '2031-01-01' },
        as(OPERATOR),
      );
    }
    // Within one organisation, terms of the same person may not overlap.
    await expect(
      f.client.call(
        OrganisationService.method.addMembership,
        { organisationId: owners.id, residentId, position: '委员', termStart: '2027-01-01' },
        as(OPERATOR),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.CONFLICT, reason: 'MEMBERSHIP_OVERLAPS' });

    const listed = await f.client.call(
      OrganisationService.method.listOrganisations,
      { nodeId: community },
      as(OPERATOR),
    );
    const withMember = listed.organisations.filter((o) => o.members.some((m) => m.residentId === residentId));
    expect(withMember.map((o) => o.type).sort()).toEqual(
      [
        OrganisationType.PARTY_ORGANISATION,
        OrganisationType.OWNERS_COMMITTEE,
        OrganisationType.PROPERTY_COMPANY,
      ].sort(),
    );
    const byAuditor = await f.client.call(
      OrganisationService.method.getOrganisation,
      { id: owners.id },
      as(AUDITOR),
    );
    expect(byAuditor.organisation!.members[0]).toMatchObject({ residentName: '刘*国', position: '主任' });

    const membership = withMember.find((o) => o.id === owners.id)!.members[0];
    await f.client.call(
      OrganisationService.method.endMembership,
      { membershipId: membership.id, reason: '辞职' },
      as(OPERATOR),
    );
    const after = await f.client.call(
      OrganisationService.method.getOrganisation,
      { id: owners.id },
      as(OPERATOR),
    );
    expect(after.organisation!.members).toEqual([]);
    // After resigning, a new term may start.
    await f.client.call(
      OrganisationService.method.addMembership,
      { organisationId: owners.id, residentId, position: '委员', termStart: '2027-01-01' },
      as(OPERATOR),
    );
  });

  it('outside the scope an organisation does not exist', async () => {
    const council = (
      await f.client.call(OrganisationService.method.listOrganisations, { nodeId: community }, as(OPERATOR))
    ).organisations[0];
    await expect(
      f.client.call(OrganisationService.method.getOrganisation, { id: council.id }, as('someone-else')),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });
});
