import { MEMBER_RELATION_NAMES } from '@linli/contracts';
import { parseResidentId, ageOn } from '@linli/privacy';

/** One line of a households import file, checked (rules: no Nest, no TypeORM). */
export interface HouseholdRow {
  line: number;
  communityCode: string;
  compound: string;
  building: string;
  household: string;
  name: string;
  idNumber: string;
  birthDate: string;
  sex: 'male' | 'female';
  mobile: string;
  relation: string;
  guardianIdNumber: string;
  consentRef: string;
}

export interface RowError {
  line: number;
  field: string;
  reason: string;
}

export const REQUIRED_COLUMNS = [
  'community_code',
  'compound',
  'household',
  'name',
  'id_number',
  'relation',
] as const;
export const OPTIONAL_COLUMNS = ['building', 'mobile', 'guardian_id_number', 'consent_ref'] as const;
const RELATIONS = new Set<string>(MEMBER_RELATION_NAMES);

export function missingColumns(header: string[]): string[] {
  return REQUIRED_COLUMNS.filter((c) => !header.includes(c));
}

const text = (v: unknown) =>
  typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v).trim();

/** Checks one row; returns the row or the reasons it is refused (line, field, reason). */
export function checkRow(
  raw: Record<string, unknown>,
  line: number,
  today: string,
): { row?: HouseholdRow; errors: RowError[] } {
  const errors: RowError[] = [];
  const err = (field: string, reason: string) => errors.push({ line, field, reason });
  const communityCode = text(raw.community_code);
  if (!/^\d{12}$/.test(communityCode)) err('community_code', 'must be a 12-digit statistical code');
  const compound = text(raw.compound);
  if (compound.length < 1 || compound.length > 64) err('compound', 'must be 1 to 64 characters');
  const building = text(raw.building);
  if (building.length > 64) err('building', 'must be at most 64 characters');
  const household = text(raw.household);
  if (household.length < 1 || household.length > 64) err('household', 'must be 1 to 64 characters');
  const name = text(raw.name);
  if (name.length < 1 || name.length > 64) err('name', 'must be 1 to 64 characters');
  const idNumber = text(raw.id_number).toUpperCase();
  const id = parseResidentId(idNumber);
  if (!id) err('id_number', 'is not a valid 18-character resident identity number');
  const mobile = text(raw.mobile).replace(/[\s-]/g, '');
  if (mobile && !/^1\d{10}$/.test(mobile)) err('mobile', 'must be an 11-digit mobile number');
  const relation = text(raw.relation).toLowerCase();
  if (!RELATIONS.has(relation)) err('relation', `must be one of ${[...RELATIONS].join(', ')}`);
  const guardianIdNumber = text(raw.guardian_id_number).toUpperCase();
  const consentRef = text(raw.consent_ref);
  if (id && ageOn(id.birthDate, today) < 14) {
    if (!parseResidentId(guardianIdNumber))
      err('guardian_id_number', 'a person under 14 needs a guardian (PI-4)');
    if (consentRef.length < 1 || consentRef.length > 200)
      err('consent_ref', 'a person under 14 needs a consent reference (PI-4)');
  }
  if (errors.length || !id) return { errors };
  return {
    errors,
    row: {
      line,
      communityCode,
      compound,
      building,
      household,
      name,
      idNumber,
      birthDate: id.birthDate,
      sex: id.sex,
      mobile,
      relation,
      guardianIdNumber,
      consentRef,
    },
  };
}
