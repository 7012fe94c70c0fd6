/** Mainland resident identity numbers (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 check character. */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export interface ResidentIdInfo {
  /** The six-digit administrative division code of the place of registration. */
  region: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  sex: 'male' | 'female';
}

/** Parses and checks an 18-character resident identity number; undefined when it is not a valid one. */
export function parseResidentId(value: string): ResidentIdInfo | undefined {
  const id = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return undefined;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  if (CHECK[sum % 11] !== id[17]) return undefined;
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const d = new Date(`${birthDate}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birthDate) return undefined;
  return { region: id.slice(0, 6), birthDate, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' };
}

/** Whole years of age on a date (calendar arithmetic, no floating point). */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The date a person born on birthDate turns `years` old (29 February → 1 March in common years). */
export function dateTurning(birthDate: string, years: number): string {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const d = new Date(Date.UTC(by + years, bm - 1, bd));
  return d.toISOString().slice(0, 10);
}

/** Builds a well-formed identity number (test data, synthetic loads): region, birth date, 3-digit sequence. */
export function composeResidentId(region: string, birthDate: string, sequence: number): string {
  const body = `${region}${birthDate.replace(/-/g, '')}${String(sequence % 1000).padStart(3, '0')}`;
  if (!/^\d{17}$/.test(body)) throw new Error('region must be 6 digits and birthDate YYYY-MM-DD');
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + CHECK[sum % 11];
}
