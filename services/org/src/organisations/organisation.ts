import { OrganisationType } from '@linli/contracts';

/** Where each kind of organisation may sit (rules: no Nest, no TypeORM). */
export const TYPE_NAMES: Record<Exclude<OrganisationType, OrganisationType.UNSPECIFIED>, string> = {
  [OrganisationType.PARTY_ORGANISATION]: 'party_organisation',
  [OrganisationType.RESIDENTS_COMMITTEE]: 'residents_committee',
  [OrganisationType.VILLAGE_COMMITTEE]: 'village_committee',
  [OrganisationType.OWNERS_ASSEMBLY]: 'owners_assembly',
  [OrganisationType.OWNERS_COMMITTEE]: 'owners_committee',
  [OrganisationType.PROPERTY_COMPANY]: 'property_company',
  [OrganisationType.DELIBERATIVE_COUNCIL]: 'deliberative_council',
  [OrganisationType.SUPERVISORY_BOARD]: 'supervisory_board',
  [OrganisationType.SOCIAL_ORGANISATION]: 'social_organisation',
  [OrganisationType.ENTERPRISE]: 'enterprise',
};

const ANY_LEVEL = ['street', 'town', 'township', 'community', 'village', 'compound', 'building'];
const PLACES: Record<string, string[]> = {
  party_organisation: ['street', 'town', 'township', 'community', 'village', 'compound'],
  residents_committee: ['community'],
  village_committee: ['village'],
  owners_assembly: ['compound'],
  owners_committee: ['compound'],
  property_company: ['compound'],
  deliberative_council: ['community', 'village'],
  supervisory_board: ['community', 'village'],
  social_organisation: ANY_LEVEL,
  enterprise: ANY_LEVEL,
};

export function typeName(type: OrganisationType): string | undefined {
  return TYPE_NAMES[type as Exclude<OrganisationType, OrganisationType.UNSPECIFIED>];
}

export function typeFromName(name: string): OrganisationType {
  const e = Object.entries(TYPE_NAMES).find(([, v]) => v === name);
  return e ? (Number(e[0]) as OrganisationType) : OrganisationType.UNSPECIFIED;
}

export function mayHost(nodeKind: string, type: string): boolean {
  return PLACES[type]?.includes(nodeKind) ?? false;
}

/** GB 32100 unified social credit code: 18 characters with a check character. */
export function validCreditCode(code: string): boolean {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  if (!/^[0-9A-HJ-NP-RTUWXY]{18}$/.test(code)) return false;
  const sum = weights.reduce((acc, w, i) => acc + w * chars.indexOf(code[i]), 0);
  return chars[(31 - (sum % 31)) % 31] === code[17];
}

export const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
