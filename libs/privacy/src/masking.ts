/**
 * Masking of personal data for every view that is not allowed the full value (PI-2, PI-3). Pure functions;
 * they never throw on odd input, they mask more.
 */

/** Two-character surnames (复姓) that keep both characters when a name is masked. */
const COMPOUND_SURNAMES = new Set([
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '令狐',
  '端木',
  '独孤',
  '南宫',
  '西门',
  '澹台',
  '公冶',
  '宗政',
  '濮阳',
  '太叔',
  '申屠',
  '钟离',
  '闾丘',
  '万俟',
]);

export type NameMaskMode = 'keep-last' | 'surname-only';

/**
 * PI-2: 张三明 → 张*明, 张三 → 张*, 欧阳娜娜 → 欧阳** (surname-only mode, also the public honour-board form).
 * `keep-last` keeps the first and the last character of names of three or more characters.
 */
export function maskName(name: string, mode: NameMaskMode = 'keep-last'): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '';
  if (chars.length === 1) return '*';
  const surnameLength = chars.length > 2 && COMPOUND_SURNAMES.has(chars.slice(0, 2).join('')) ? 2 : 1;
  const surname = chars.slice(0, surnameLength).join('');
  const rest = chars.length - surnameLength;
  if (mode === 'surname-only' || rest < 2 || surnameLength === 2) return surname + '*'.repeat(rest);
  return surname + '*'.repeat(rest - 1) + chars[chars.length - 1];
}

/** PI-2: 13812341234 → 138****1234 (first 3 and last 4 of an 11-digit mobile number). */
export function maskMobile(mobile: string): string {
  const digits = mobile.replace(/\s|-/g, '');
  if (digits.length < 8) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
}

export type IdMaskMode = 'default' | 'strict';

/**
 * PI-2: 51010419900101123X → 510104********123X (default: first 6 and last 4, the birth date hidden), or
 * 5***************3X (strict, for public lists: first 1 and last 2). Never shows digits 7–14.
 */
export function maskId(id: string, mode: IdMaskMode = 'default'): string {
  const v = id.trim().toUpperCase();
  if (v.length < 8) return '*'.repeat(v.length);
  const [head, tail] = mode === 'strict' ? [1, 2] : [6, 4];
  return `${v.slice(0, head)}${'*'.repeat(v.length - head - tail)}${v.slice(-tail)}`;
}
