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

/** The number written by `length` ASCII digits of `s` from `at` (no allocation: bulk imports call this per row). */
function digits(s: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** Parses and checks an 18-character resident identity number; undefined when it is not a valid one. */
export function parseResidentId(value: string): ResidentIdInfo | undefined {
  const id = value.trim().toUpperCase();
  if (id.length !== 18) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    sum += WEIGHTS[i] * d;
  }
  const last = id[17];
  if (!(last === 'X' || (last >= '0' && last <= '9')) || CHECK[sum % 11] !== last) return undefined;
  const year = digits(id, 6, 4);
  const month = digits(id, 10, 2);
  const day = digits(id, 12, 2);
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS[month - 1];
  if (year < 1 || !monthDays || day < 1 || day > monthDays) return undefined;
  return {
    region: id.slice(0, 6),
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: (id.charCodeAt(16) - 48) % 2 === 1 ? 'male' : 'female',
  };
}

/** Whole years of age on a date, both YYYY-MM-DD (calendar arithmetic, no floating point). */
export function ageOn(birthDate: string, on: string): number {
  const bm = digits(birthDate, 5, 2);
  const bd = digits(birthDate, 8, 2);
  const m = digits(on, 5, 2);
  const d = digits(on, 8, 2);
  return digits(on, 0, 4) - digits(birthDate, 0, 4) - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The date (YYYY-MM-DD) a person born on birthDate turns `years` old (29 February → 1 March in common years). */
export function dateTurning(birthDate: string, years: number): string {
  const y = digits(birthDate, 0, 4) + years;
  const m = digits(birthDate, 5, 2);
  const d = digits(birthDate, 8, 2);
  if (m === 2 && d === 29 && !isLeap(y)) return `${String(y).padStart(4, '0')}-03-01`;
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/** Builds a well-formed identity number (test data, synthetic loads): region, birth date, 3-digit sequence. */
export function composeResidentId(region: string, birthDate: string, sequence: number): string {
  const body = `${region}${birthDate.replace(/-/g, '')}${String(sequence % 1000).padStart(3, '0')}`;
  if (!/^\d{17}$/.test(body)) throw new Error('region must be 6 digits and birthDate YYYY-MM-DD');
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + CHECK[sum % 11];
}
