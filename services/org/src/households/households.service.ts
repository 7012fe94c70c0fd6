import { Inject, Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, timestampNow } from '@bufbuild/protobuf/wkt';
import {
  ErrorCode,
  HouseholdMovedSchema,
  HouseholdRegisteredSchema,
  HouseholdRepresentativeChangedSchema,
  HouseholdSchema,
  memberRelationName,
  memberRelationOf,
  ResidentAccountLinkedSchema,
  ResidentJoinedSchema,
  ResidentLeftSchema,
  ResidentSchema,
  type AddMemberRequest,
  type ChangeRepresentativeRequest,
  type GetResidentRequest,
  type LinkResidentAccountRequest,
  type MoveHouseholdRequest,
  type RemoveMemberRequest,
  type Household,
  type Principal,
  type RegisterHouseholdRequest,
  type Resident,
} from '@linli/contracts';
import { OutboxRelay, RpcError, appendToOutbox } from '@linli/messaging';
import { isUniqueViolation, isUuid, newId, withTransaction } from '@linli/persistence';
import { PiiCipher, ageOn, dateTurning, maskId, maskMobile, maskName, parseResidentId } from '@linli/privacy';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { idsOfPath } from '../nodes/node.js';
import { NodeHistoryRepository, NodesRepository } from '../nodes/nodes.repository.js';
import { HouseholdsRepository, type HouseholdRecord, type MemberRecord } from './households.repository.js';

export const PII_CIPHER = Symbol('PII_CIPHER');

/** Households live at a community/village or a compound/building under it. */
const HOUSEHOLD_NODE_KINDS = new Set(['community', 'village', 'compound', 'building']);

const today = () => new Date().toISOString().slice(0, 10);

class HouseholdsError extends RpcError {
  static notFound(what = 'household'): HouseholdsError {
    return new HouseholdsError(ErrorCode.NOT_FOUND, `${what.toUpperCase()}_NOT_FOUND`, `No such ${what}.`);
  }

  /** Says nothing about which resident holds the account: that resident may be outside the caller's scope. */
  static accountAlreadyLinked(): HouseholdsError {
    return new HouseholdsError(
      ErrorCode.ALREADY_EXISTS,
      'ACCOUNT_ALREADY_LINKED',
      'This account is already linked to another resident.',
    );
  }
}

/** A Keycloak subject (`sub`): 1–255 characters, no whitespace (nor control characters). */
const isAccountSubject = (s: string) => {
  const length = [...s].length;
  return length >= 1 && length <= 255 && !/[\s\p{Cc}]/u.test(s);
};

/** A household label is unique per node: the database's refusal as a typed error (anything else unchanged). */
function labelTaken(e: unknown, where: 'here' | 'there'): unknown {
  return isUniqueViolation(e, 'households_node_id_label_key')
    ? new RpcError(
        ErrorCode.ALREADY_EXISTS,
        'HOUSEHOLD_LABEL_TAKEN',
        `A household with this label is already registered ${where}.`,
      )
    : e;
}

/** How much of a person a caller sees (PI-2): operators in scope see names, auditors see masked names. */
type View = 'operator' | 'auditor';

/**
 * Households, residents and representatives. Personal data is encrypted at rest and masked in every answer
 * by the caller's role; full ID numbers only with VIEW_ID_FULL, and every such read is logged (PI-1).
 */
@Injectable()
export class HouseholdsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly households: HouseholdsRepository,
    private readonly nodes: NodesRepository,
    private readonly history: NodeHistoryRepository,
    private readonly access: AccessService,
    private readonly relay: OutboxRelay,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  private async view(principal: Principal | undefined, path: string): Promise<View | undefined> {
    if (await this.access.may(principal, 'org.household.write', path)) return 'operator';
    if (await this.access.may(principal, 'org.household.read', path)) return 'auditor';
    return undefined;
  }

  private async visibleHousehold(id: string, principal: Principal | undefined, write: boolean) {
    if (!isUuid(id))
      throw RpcError.invalidArgument([{ field: 'household_id', description: 'must be a UUID' }]);
    const h = await this.households.findHousehold(id);
    const view = h && (await this.view(principal, h.nodePath));
    if (!h || !view || (write && view !== 'operator')) throw HouseholdsError.notFound();
    return { household: h, view };
  }

  private toResident(
    m: Pick<MemberRecord, 'residentId' | 'name' | 'idNumberMasked' | 'mobileMasked' | 'birthDate' | 'sex'>,
    view: View,
  ): Resident {
    return create(ResidentSchema, {
      id: m.residentId,
      name: view === 'operator' ? m.name : maskName(m.name),
      idNumber: view === 'operator' ? m.idNumberMasked : maskId(m.idNumberMasked, 'strict'),
      mobile: m.mobileMasked ?? '',
      sex: m.sex,
      age: ageOn(m.birthDate, today()),
    });
  }

  private async toHousehold(h: HouseholdRecord, view: View, members?: MemberRecord[]): Promise<Household> {
    const list = members ?? (await this.households.members([h.id]));
    return create(HouseholdSchema, {
      id: h.id,
      nodeId: h.nodeId,
      label: h.label,
      version: h.version,
      representativeResidentId: list.find((m) => m.representative)?.residentId ?? '',
      members: list.map((m) => ({
        resident: this.toResident(m, view),
        relation: memberRelationOf(m.relation),
        joinedAt: timestampFromDate(m.joinedAt),
        representative: m.representative,
      })),
    });
  }

  async register(req: RegisterHouseholdRequest, principal: Principal | undefined): Promise<Household> {
    const label = req.label.trim();
    const violations = [];
    if (!isUuid(req.nodeId)) violations.push({ field: 'node_id', description: 'must be a UUID' });
    if (label.length < 1 || label.length > 64)
      violations.push({ field: 'label', description: 'must be 1 to 64 characters' });
    if (violations.length) throw RpcError.invalidArgument(violations);
    const node = await this.nodes.findById(req.nodeId);
    if (!node || !(await this.access.may(principal, 'org.household.write', node.path))) {
      throw new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.');
    }
    if (!HOUSEHOLD_NODE_KINDS.has(node.kind)) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'HOUSEHOLD_NODE_KIND',
        'Households are registered at a community, village, compound or building.',
      );
    }
    const id = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        await this.households.insertHousehold(manager, {
          id,
          nodeId: node.id,
          label,
          createdBy: principal?.subject ?? null,
        });
        await appendToOutbox(
          manager,
          HouseholdRegisteredSchema,
          create(HouseholdRegisteredSchema, {
            householdId: id,
            nodeId: node.id,
            nodePath: idsOfPath(node.path),
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      throw labelTaken(e, 'here');
    }
    this.relay.kick();
    return this.toHousehold((await this.households.findHousehold(id))!, 'operator');
  }

  /** Adds a resident to a household; PI-4: a person under 14 needs a guardian-consent record. */
  async addMember(req: AddMemberRequest, principal: Principal | undefined): Promise<Household> {
    const r = req.resident;
    const violations = [];
    const name = r?.name.trim() ?? '';
    if (name.length < 1 || name.length > 64)
      violations.push({ field: 'resident.name', description: 'must be 1 to 64 characters' });
    const idInfo = r ? parseResidentId(r.idNumber) : undefined;
    if (!idInfo)
      violations.push({
        field: 'resident.id_number',
        description: 'must be a valid 18-character resident identity number',
      });
    const mobile = r?.mobile.replace(/\s|-/g, '') ?? '';
    if (mobile && !/^1\d{10}$/.test(mobile))
      violations.push({ field: 'resident.mobile', description: 'must be an 11-digit mobile number' });
    const relation = memberRelationName(req.relation);
    if (!relation) violations.push({ field: 'relation', description: 'must be a member relation' });
    if (violations.length) throw RpcError.invalidArgument(violations);

    const { household } = await this.visibleHousehold(req.householdId, principal, true);
    const age = ageOn(idInfo!.birthDate, today());
    const consent = req.guardianConsent;
    if (age < 14) {
      if (
        !consent?.guardianResidentId ||
        !isUuid(consent.guardianResidentId) ||
        !consent.documentRef.trim()
      ) {
        throw new RpcError(
          ErrorCode.FAILED_PRECONDITION,
          'GUARDIAN_CONSENT_REQUIRED',
          'A person under 14 is registered only with a guardian-consent record (PI-4).',
          [
            {
              field: 'guardian_consent',
              description: 'guardian_resident_id and document_ref are required under 14',
            },
          ],
        );
      }
      const guardian = await this.households.findResident(consent.guardianResidentId);
      if (!guardian || ageOn(guardian.birthDate, today()) < 18) {
        throw new RpcError(
          ErrorCode.FAILED_PRECONDITION,
          'GUARDIAN_NOT_ADULT_RESIDENT',
          'The guardian must be a registered adult resident.',
        );
      }
    }
    const idNumber = r!.idNumber.trim().toUpperCase();
    const residentId = newId();
    try {
      await withTransaction(this.dataSource, async (manager) => {
        const index = this.cipher.blindIndex(idNumber, 'resident.id_number');
        if (await this.households.findResidentByIndex(manager, index)) {
          throw new RpcError(
            ErrorCode.ALREADY_EXISTS,
            'RESIDENT_ALREADY_REGISTERED',
            'This person is already registered.',
          );
        }
        await this.households.insertResident(manager, {
          id: residentId,
          name,
          idNumberCipher: this.cipher.encrypt(idNumber, 'resident.id_number'),
          idNumberIndex: index,
          idNumberMasked: maskId(idNumber),
          mobileCipher: mobile ? this.cipher.encrypt(mobile, 'resident.mobile') : null,
          mobileMasked: mobile ? maskMobile(mobile) : null,
          birthDate: idInfo!.birthDate,
          sex: idInfo!.sex,
          createdBy: principal?.subject ?? null,
        });
        if (age < 14) {
          await this.households.recordGuardianConsent(manager, {
            residentId,
            guardianResidentId: consent!.guardianResidentId,
            documentRef: consent!.documentRef.trim(),
            recordedBy: principal?.subject ?? null,
          });
        }
        await this.households.addMember(manager, household.id, residentId, relation!);
        // The first adult head represents the household until the household says otherwise.
        if (
          relation === 'head' &&
          age >= 18 &&
          !(await this.households.currentRepresentative(manager, household.id))
        ) {
          await this.households.changeRepresentative(manager, {
            householdId: household.id,
            residentId,
            reason: 'household head',
            by: principal?.subject ?? null,
          });
        }
        await this.households.touch(manager, household.id);
        await appendToOutbox(
          manager,
          ResidentJoinedSchema,
          create(ResidentJoinedSchema, {
            householdId: household.id,
            residentId,
            relation: req.relation,
            adultOn: dateTurning(idInfo!.birthDate, 18),
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      if (isUniqueViolation(e, 'household_members_one_head_uq')) {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'HOUSEHOLD_HAS_HEAD',
          'The household already has a head.',
        );
      }
      if (isUniqueViolation(e, 'residents_id_number_index_key')) {
        throw new RpcError(
          ErrorCode.ALREADY_EXISTS,
          'RESIDENT_ALREADY_REGISTERED',
          'This person is already registered.',
        );
      }
      throw e;
    }
    this.relay.kick();
    return this.toHousehold((await this.households.findHousehold(household.id))!, 'operator');
  }

  /** The household designates another adult member as its representative; the previous period is closed. */
  async changeRepresentative(
    req: ChangeRepresentativeRequest,
    principal: Principal | undefined,
  ): Promise<Household> {
    if (!isUuid(req.residentId))
      throw RpcError.invalidArgument([{ field: 'resident_id', description: 'must be a UUID' }]);
    if (req.reason.length > 500)
      throw RpcError.invalidArgument([{ field: 'reason', description: 'must be at most 500 characters' }]);
    const { household } = await this.visibleHousehold(req.householdId, principal, true);
    const members = await this.households.members([household.id]);
    const member = members.find((m) => m.residentId === req.residentId);
    if (!member) throw HouseholdsError.notFound('member');
    if (ageOn(member.birthDate, today()) < 18) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'REPRESENTATIVE_NOT_ADULT',
        'A household representative must be an adult member.',
      );
    }
    await withTransaction(this.dataSource, async (manager) => {
      const previous = await this.households.currentRepresentative(manager, household.id);
      if (previous === req.residentId) return;
      await this.households.changeRepresentative(manager, {
        householdId: household.id,
        residentId: req.residentId,
        reason: req.reason || null,
        by: principal?.subject ?? null,
      });
      await this.households.touch(manager, household.id);
      await appendToOutbox(
        manager,
        HouseholdRepresentativeChangedSchema,
        create(HouseholdRepresentativeChangedSchema, {
          householdId: household.id,
          residentId: req.residentId,
          previousResidentId: previous ?? '',
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
    return this.toHousehold((await this.households.findHousehold(household.id))!, 'operator');
  }

  /** The household moves to another node in the caller's scope (both ends must be in it). */
  async move(req: MoveHouseholdRequest, principal: Principal | undefined): Promise<Household> {
    if (!isUuid(req.nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    if (req.reason.length > 500)
      throw RpcError.invalidArgument([{ field: 'reason', description: 'must be at most 500 characters' }]);
    const { household } = await this.visibleHousehold(req.householdId, principal, true);
    const target = await this.nodes.findById(req.nodeId);
    if (!target || !(await this.access.may(principal, 'org.household.write', target.path))) {
      throw new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.');
    }
    if (!HOUSEHOLD_NODE_KINDS.has(target.kind)) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'HOUSEHOLD_NODE_KIND',
        'Households live at a community, village, compound or building.',
      );
    }
    if (target.id === household.nodeId) return this.toHousehold(household, 'operator');
    try {
      await withTransaction(this.dataSource, async (manager) => {
        await this.households.moveHousehold(manager, household.id, target.id);
        await this.households.touch(manager, household.id);
        await appendToOutbox(
          manager,
          HouseholdMovedSchema,
          create(HouseholdMovedSchema, {
            householdId: household.id,
            oldNodeId: household.nodeId,
            newNodeId: target.id,
            nodePath: idsOfPath(target.path),
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
      });
    } catch (e) {
      throw labelTaken(e, 'there');
    }
    this.relay.kick();
    return this.toHousehold((await this.households.findHousehold(household.id))!, 'operator');
  }

  /** A member leaves the household; if they represented it, the household has no representative until it names one. */
  async removeMember(req: RemoveMemberRequest, principal: Principal | undefined): Promise<Household> {
    if (!isUuid(req.residentId))
      throw RpcError.invalidArgument([{ field: 'resident_id', description: 'must be a UUID' }]);
    if (req.reason.length > 500)
      throw RpcError.invalidArgument([{ field: 'reason', description: 'must be at most 500 characters' }]);
    const { household } = await this.visibleHousehold(req.householdId, principal, true);
    await withTransaction(this.dataSource, async (manager) => {
      const result = await this.households.removeMember(manager, household.id, req.residentId);
      if (!result.left) throw HouseholdsError.notFound('member');
      await this.households.touch(manager, household.id);
      await appendToOutbox(
        manager,
        ResidentLeftSchema,
        create(ResidentLeftSchema, {
          householdId: household.id,
          residentId: req.residentId,
          wasRepresentative: result.wasRepresentative,
          occurredAt: timestampNow(),
        }),
        { actorSubject: principal?.subject },
      );
    });
    this.relay.kick();
    return this.toHousehold((await this.households.findHousehold(household.id))!, 'operator');
  }

  /**
   * The resident signs in as this Keycloak account (`sub`) from now on; an empty subject unlinks. One account per
   * resident and one resident per account. Linking the account already linked (or unlinking none) changes nothing.
   */
  async linkAccount(req: LinkResidentAccountRequest, principal: Principal | undefined): Promise<void> {
    const violations = [];
    if (!isUuid(req.residentId)) violations.push({ field: 'resident_id', description: 'must be a UUID' });
    if (req.subject !== '' && !isAccountSubject(req.subject))
      violations.push({
        field: 'subject',
        description: 'must be 1 to 255 characters without whitespace (empty unlinks)',
      });
    if (violations.length) throw RpcError.invalidArgument(violations);
    const resident = await this.households.findResident(req.residentId);
    if (!resident || !(await this.access.may(principal, 'org.household.write', resident.nodePath))) {
      throw HouseholdsError.notFound('resident');
    }
    const subject = req.subject || null;
    let changed = false;
    try {
      await withTransaction(this.dataSource, async (manager) => {
        changed = false;
        const previous = await this.households.lockAccountSubject(manager, resident.id);
        if (previous === subject) return;
        await this.households.setAccountSubject(manager, {
          residentId: resident.id,
          subject,
          previous,
          by: principal?.subject ?? null,
        });
        await appendToOutbox(
          manager,
          ResidentAccountLinkedSchema,
          create(ResidentAccountLinkedSchema, {
            residentId: resident.id,
            subject: subject ?? '',
            previousSubject: previous ?? '',
            occurredAt: timestampNow(),
          }),
          { actorSubject: principal?.subject },
        );
        changed = true;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'residents_account_subject_uq')) throw HouseholdsError.accountAlreadyLinked();
      throw e;
    }
    if (changed) this.relay.kick();
  }

  async get(id: string, principal: Principal | undefined): Promise<Household> {
    const { household, view } = await this.visibleHousehold(id, principal, false);
    return this.toHousehold(household, view);
  }

  async list(nodeId: string, limit: number, cursor: string, principal: Principal | undefined) {
    if (!isUuid(nodeId))
      throw RpcError.invalidArgument([{ field: 'node_id', description: 'must be a UUID' }]);
    const size = limit || 50;
    if (size < 1 || size > 200)
      throw RpcError.invalidArgument([{ field: 'limit', description: 'must be between 1 and 200' }]);
    if (cursor && !isUuid(cursor))
      throw RpcError.invalidArgument([{ field: 'cursor', description: 'is not valid' }]);
    const node = await this.nodes.findById(nodeId);
    const view = node && (await this.view(principal, node.path));
    if (!node || !view) throw new RpcError(ErrorCode.NOT_FOUND, 'NODE_NOT_FOUND', 'No such node.');
    const page = await this.households.listUnder(node.path, cursor || undefined, size + 1);
    const items = page.slice(0, size);
    const members = await this.households.members(items.map((h) => h.id));
    return {
      households: await Promise.all(
        items.map((h) =>
          this.toHousehold(
            h,
            view,
            members.filter((m) => m.householdId === h.id),
          ),
        ),
      ),
      nextCursor: page.length > size ? items[items.length - 1].id : '',
    };
  }

  /** A resident, masked by role; the full ID number only with VIEW_ID_FULL and a stated purpose, logged (PI-1). */
  async resident(req: GetResidentRequest, principal: Principal | undefined): Promise<Resident> {
    if (!isUuid(req.id)) throw RpcError.invalidArgument([{ field: 'id', description: 'must be a UUID' }]);
    const r = await this.households.findResident(req.id);
    const view = r && (await this.view(principal, r.nodePath));
    if (!r || !view) throw HouseholdsError.notFound('resident');
    const resident = this.toResident({ ...r, residentId: r.id }, view);
    if (!req.revealIdNumber) return resident;
    const purpose = req.purpose.trim();
    if (purpose.length < 2 || purpose.length > 200) {
      throw RpcError.invalidArgument([
        { field: 'purpose', description: 'say why the full ID number is needed (2–200 characters)' },
      ]);
    }
    if (!(await this.access.may(principal, 'org.resident.read_id_full', r.nodePath))) {
      throw new RpcError(
        ErrorCode.PERMISSION_DENIED,
        'VIEW_ID_FULL_REQUIRED',
        'Your role may not see full ID numbers.',
      );
    }
    await this.households.logPiAccess({
      residentId: r.id,
      field: 'id_number',
      purpose,
      actor: principal!.subject,
    });
    resident.idNumber = this.cipher.decrypt(r.idNumberCipher, 'resident.id_number');
    resident.idNumberRevealed = true;
    return resident;
  }
}
