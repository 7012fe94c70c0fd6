import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Threshold } from './thresholds.js';

/** A versioned rule parameter: every threshold has a jurisdiction and an effective date (never a constant). */
export interface RuleParameter<T = unknown> {
  key: string;
  /** '*' (nationwide) or a province code such as '51' (Sichuan). */
  jurisdiction: string;
  /** YYYY-MM-DD. */
  effectiveFrom: string;
  value: T;
  ruleIds: string[];
}

/**
 * The parameter in force on `date` for `jurisdiction`: the latest version effective on or before the date, a
 * province's own version before the nationwide one.
 */
export function resolveParameter<T>(
  all: readonly RuleParameter[],
  key: string,
  date: string,
  jurisdiction = '*',
): RuleParameter<T> | undefined {
  const candidates = all
    .filter((p) => p.key === key && p.effectiveFrom <= date)
    .filter((p) => p.jurisdiction === jurisdiction || p.jurisdiction === '*')
    .sort((a, b) => {
      if (a.jurisdiction !== b.jurisdiction) return a.jurisdiction === '*' ? 1 : -1;
      return a.effectiveFrom < b.effectiveFrom ? 1 : -1;
    });
  return candidates[0] as RuleParameter<T> | undefined;
}

export function parameterVersion(p: RuleParameter): string {
  return `${p.key}@${p.jurisdiction}@${p.effectiveFrom}`;
}

export interface MeetingRuleValue {
  quorum: Threshold;
  decision: Threshold;
  decisionOfBase?: boolean;
  noticeDays: number;
  statutory: boolean;
}

export interface SizeRuleValue {
  min: number;
  max: number;
  odd?: boolean;
  womenMin?: number;
}

export interface ElectionThresholds {
  validity: Threshold;
  win: Threshold;
  runoff: Threshold;
}

export interface RollRuleValue {
  publishDaysBefore: number;
  objectionDays: number;
  decideDays: number;
}

/** Reads parameters from the database (a small table, cached briefly; a new version applies within a minute). */
@Injectable()
export class ParametersRepository {
  private cache: { rows: RuleParameter[]; until: number } | undefined;

  constructor(private readonly dataSource: DataSource) {}

  async all(): Promise<RuleParameter[]> {
    if (this.cache && this.cache.until > Date.now()) return this.cache.rows;
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT key, jurisdiction, to_char(effective_from, 'YYYY-MM-DD') AS effective_from, value, rule_ids
         FROM rule_parameters`,
    );
    const parsed = rows.map((r) => ({
      key: r.key as string,
      jurisdiction: r.jurisdiction as string,
      effectiveFrom: r.effective_from as string,
      value: r.value,
      ruleIds: r.rule_ids as string[],
    }));
    this.cache = { rows: parsed, until: Date.now() + 60_000 };
    return parsed;
  }

  async get<T>(key: string, date: string, jurisdiction = '*'): Promise<RuleParameter<T>> {
    const p = resolveParameter<T>(await this.all(), key, date, jurisdiction);
    if (!p) throw new Error(`rule parameter ${key} has no version effective on ${date}`);
    return p;
  }
}
