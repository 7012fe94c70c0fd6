import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Governance's own model: versioned rule parameters, the electorate projection from org's events, committees
 * with roster history, meetings with attendance and motions, elections with a secret ballot, honours and
 * opinion collection. Invariants the database can hold live here (one ballot per elector and round, one
 * attendance per attendee, no overlapping seat for one resident in one committee, append-only conflicts).
 */
export class CreateGovernance1765200000000 implements MigrationInterface {
  name = 'CreateGovernance1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    // Every threshold is a parameter with a jurisdiction ('*' or a province code) and an effective date.
    await q.query(`
      CREATE TABLE rule_parameters (
        key text NOT NULL,
        jurisdiction text NOT NULL DEFAULT '*',
        effective_from date NOT NULL,
        value jsonb NOT NULL,
        rule_ids text[] NOT NULL,
        note text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (key, jurisdiction, effective_from)
      )`);

    // Electorate inputs, projected from org's events (never from org's database).
    // Events of different types arrive on different consumers, so in any order: every row is an upsert guarded
    // by the event's time, and columns a later event fills may be null until it arrives.
    await q.query(`
      CREATE TABLE org_households (
        household_id uuid PRIMARY KEY,
        node_id uuid NOT NULL,
        node_path uuid[] NOT NULL,
        located_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX org_households_path_idx ON org_households USING gin (node_path)`);
    await q.query(`
      CREATE TABLE org_representatives (
        household_id uuid PRIMARY KEY,
        resident_id uuid,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE org_residents (
        resident_id uuid PRIMARY KEY,
        household_id uuid NOT NULL,
        head boolean NOT NULL DEFAULT false,
        adult_on date,
        joined_at timestamptz,
        left_at timestamptz
      )`);
    await q.query(`CREATE INDEX org_residents_household_idx ON org_residents (household_id)`);
    await q.query(`
      CREATE TABLE resident_accounts (
        subject text PRIMARY KEY,
        resident_id uuid NOT NULL UNIQUE,
        linked_at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE committees (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        scope_node_id uuid NOT NULL,
        name text NOT NULL,
        size int NOT NULL CHECK (size BETWEEN 1 AND 99),
        term_start date NOT NULL,
        term_end date NOT NULL CHECK (term_end > term_start),
        mandate_decision_id uuid UNIQUE,
        portfolios text[] NOT NULL DEFAULT '{}',
        women_required int NOT NULL DEFAULT 0,
        version bigint NOT NULL DEFAULT 1,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (type NOT IN ('co_building', 'co_governance') OR mandate_decision_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX committees_scope_idx ON committees (scope_node_id, id)`);
    await q.query(`
      CREATE TABLE committee_seats (
        id uuid PRIMARY KEY,
        committee_id uuid NOT NULL REFERENCES committees(id),
        resident_id uuid NOT NULL,
        display_name text NOT NULL,
        public_name_consent boolean NOT NULL DEFAULT false,
        woman boolean NOT NULL DEFAULT false,
        position text NOT NULL CHECK (position IN ('chair', 'vice_chair', 'member')),
        portfolio text NOT NULL DEFAULT '',
        valid_from date NOT NULL,
        valid_to date,
        source text NOT NULL,
        end_reason text,
        CHECK (valid_to IS NULL OR valid_to >= valid_from),
        EXCLUDE USING gist (committee_id WITH =, resident_id WITH =,
                            daterange(valid_from, valid_to, '[)') WITH &&)
      )`);
    await q.query(`CREATE INDEX committee_seats_committee_idx ON committee_seats (committee_id, valid_from)`);
    // One chair at a time.
    await q.query(`
      CREATE UNIQUE INDEX committee_seats_one_chair ON committee_seats (committee_id)
        WHERE position = 'chair' AND valid_to IS NULL`);

    await q.query(`
      CREATE TABLE meetings (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        scope_node_id uuid NOT NULL,
        committee_id uuid REFERENCES committees(id),
        title text NOT NULL,
        scheduled_for timestamptz NOT NULL,
        notice_published_at timestamptz NOT NULL,
        agenda jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'open', 'closed')),
        base text NOT NULL,
        base_count int,
        rules jsonb NOT NULL,
        minutes text NOT NULL DEFAULT '',
        version bigint NOT NULL DEFAULT 1,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX meetings_scope_idx ON meetings (scope_node_id, id)`);
    await q.query(`
      CREATE TABLE meeting_attendance (
        meeting_id uuid NOT NULL REFERENCES meetings(id),
        attendee_id uuid NOT NULL,
        recorded_by text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (meeting_id, attendee_id)
      )`);
    await q.query(`
      CREATE TABLE motions (
        id uuid PRIMARY KEY,
        meeting_id uuid NOT NULL REFERENCES meetings(id),
        title text NOT NULL,
        kind text NOT NULL,
        mandate jsonb,
        subject_ref text NOT NULL DEFAULT '',
        yes int, no int, abstain int,
        outcome text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'passed', 'rejected')),
        decision_id uuid UNIQUE,
        mandated_committee_id uuid,
        explanation text NOT NULL DEFAULT '',
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (yes IS NULL OR (yes >= 0 AND no >= 0 AND abstain >= 0))
      )`);
    await q.query(`CREATE INDEX motions_meeting_idx ON motions (meeting_id, created_at)`);
    await q.query(`CREATE INDEX motions_subject_idx ON motions (subject_ref) WHERE subject_ref <> ''`);

    await q.query(`
      CREATE TABLE elections (
        id uuid PRIMARY KEY,
        scope_node_id uuid NOT NULL,
        committee_id uuid REFERENCES committees(id),
        title text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('all_voters', 'household_reps', 'group_reps')),
        seats int NOT NULL CHECK (seats BETWEEN 1 AND 99),
        election_day date NOT NULL,
        allow_revote boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'draft',
        roll_published_at timestamptz,
        objection_deadline date,
        registered_electors int NOT NULL DEFAULT 0,
        round int NOT NULL DEFAULT 1,
        round_kind text NOT NULL DEFAULT 'regular' CHECK (round_kind IN ('regular', 'runoff', 'revote')),
        seats_open int NOT NULL,
        rules jsonb NOT NULL,
        certified_at timestamptz,
        version bigint NOT NULL DEFAULT 1,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX elections_scope_idx ON elections (scope_node_id, id)`);
    // The roll: one row per elector (the household in HOUSEHOLD_REPS mode, the resident otherwise).
    await q.query(`
      CREATE TABLE electorate (
        election_id uuid NOT NULL REFERENCES elections(id),
        voter_key uuid NOT NULL,
        household_id uuid,
        resident_id uuid,
        source text NOT NULL DEFAULT 'snapshot',
        PRIMARY KEY (election_id, voter_key)
      )`);
    await q.query(`
      CREATE TABLE roll_objections (
        id uuid PRIMARY KEY,
        election_id uuid NOT NULL REFERENCES elections(id),
        claim text NOT NULL CHECK (claim IN ('add', 'remove')),
        resident_id uuid NOT NULL,
        reason text NOT NULL,
        lodged_by text,
        lodged_at timestamptz NOT NULL DEFAULT now(),
        decide_by date NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'upheld', 'dismissed')),
        answer text NOT NULL DEFAULT '',
        decided_by text,
        decided_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE candidates (
        id uuid PRIMARY KEY,
        election_id uuid NOT NULL REFERENCES elections(id),
        resident_id uuid NOT NULL,
        display_name text NOT NULL,
        statement text NOT NULL DEFAULT '',
        public_name_consent boolean NOT NULL DEFAULT false,
        rounds int[] NOT NULL DEFAULT '{1}',
        nominated_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (election_id, resident_id)
      )`);
    // Who voted: no link to what was voted (no ballot id, no hash).
    await q.query(`
      CREATE TABLE ballot_participation (
        election_id uuid NOT NULL REFERENCES elections(id),
        round int NOT NULL,
        voter_key uuid NOT NULL,
        channel text NOT NULL,
        cast_at timestamptz NOT NULL DEFAULT now(),
        revotes int NOT NULL DEFAULT 0,
        PRIMARY KEY (election_id, round, voter_key)
      )`);
    // What was voted: random ids (not time-ordered), no timestamp, no voter.
    await q.query(`
      CREATE TABLE ballots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        election_id uuid NOT NULL REFERENCES elections(id),
        round int NOT NULL,
        choices uuid[] NOT NULL,
        receipt char(64) NOT NULL UNIQUE,
        channel text NOT NULL,
        superseded boolean NOT NULL DEFAULT false
      )`);
    await q.query(`CREATE INDEX ballots_count_idx ON ballots (election_id, round) WHERE NOT superseded`);
    await q.query(`
      CREATE TABLE ballot_conflicts (
        id uuid PRIMARY KEY,
        election_id uuid NOT NULL REFERENCES elections(id),
        round int NOT NULL,
        voter_key uuid NOT NULL,
        existing_channel text NOT NULL,
        attempted_channel text NOT NULL,
        recorded_by text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE tallies (
        election_id uuid NOT NULL REFERENCES elections(id),
        round int NOT NULL,
        tally jsonb NOT NULL,
        tallied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (election_id, round)
      )`);

    await q.query(`
      CREATE TABLE honour_schemes (
        id uuid PRIMARY KEY,
        scope_node_id uuid NOT NULL,
        scope_path uuid[] NOT NULL,
        title text NOT NULL,
        honouree text NOT NULL CHECK (honouree IN ('household', 'resident')),
        exclude_previous_winner boolean NOT NULL DEFAULT true,
        nominations_per_unit int NOT NULL DEFAULT 1 CHECK (nominations_per_unit BETWEEN 1 AND 20),
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX honour_schemes_path_idx ON honour_schemes USING gin (scope_path)`);
    await q.query(`
      CREATE TABLE honour_nominations (
        id uuid PRIMARY KEY,
        scheme_id uuid NOT NULL REFERENCES honour_schemes(id),
        period char(7) NOT NULL,
        unit_node_id uuid NOT NULL,
        honouree_id uuid NOT NULL,
        household_id uuid,
        resident_id uuid,
        display_name text NOT NULL,
        public_name_consent boolean NOT NULL DEFAULT false,
        votes int,
        nominated_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (scheme_id, period, honouree_id)
      )`);
    await q.query(`
      CREATE TABLE honour_awards (
        scheme_id uuid NOT NULL REFERENCES honour_schemes(id),
        period char(7) NOT NULL,
        nomination_id uuid NOT NULL REFERENCES honour_nominations(id),
        honouree_id uuid NOT NULL,
        meeting_id uuid NOT NULL REFERENCES meetings(id),
        votes int NOT NULL,
        awarded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scheme_id, period)
      )`);

    await q.query(`
      CREATE TABLE consultations (
        id uuid PRIMARY KEY,
        scope_node_id uuid NOT NULL,
        topic text NOT NULL,
        description text NOT NULL DEFAULT '',
        opens_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL CHECK (closes_at > opens_at),
        summary text NOT NULL DEFAULT '',
        meeting_id uuid REFERENCES meetings(id),
        summarised_at timestamptz,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE opinions (
        id uuid PRIMARY KEY,
        consultation_id uuid NOT NULL REFERENCES consultations(id),
        resident_id uuid NOT NULL,
        text text NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX opinions_consultation_idx ON opinions (consultation_id, id)`);

    // Append-only records: conflicts and tallies are evidence.
    await q.query(`
      CREATE FUNCTION governance_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '55000'; END $$`);
    for (const t of ['ballot_conflicts', 'tallies']) {
      await q.query(`CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${t}
                     FOR EACH ROW EXECUTE FUNCTION governance_append_only()`);
    }

    await seedParameters(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE opinions, consultations, honour_awards, honour_nominations, honour_schemes,
      tallies, ballot_conflicts, ballots, ballot_participation, candidates, roll_objections, electorate, elections,
      motions, meeting_attendance, meetings, committee_seats, committees, resident_accounts, org_residents,
      org_representatives, org_households, rule_parameters`);
    await q.query(`DROP FUNCTION governance_append_only()`);
  }
}

/** The defaults of ../shared/DOMAIN.md, nationwide ('*'), effective from 2018 (the laws' 2018 texts). */
async function seedParameters(q: QueryRunner): Promise<void> {
  const half = { numerator: 1, denominator: 2, strict: true };
  const rows: Array<[string, string, unknown, string[], string]> = [
    [
      'committee.size.residents',
      '2018-12-29',
      { min: 5, max: 9 },
      ['RC-1'],
      'Urban Residents Committee Law Art. 7',
    ],
    [
      'committee.size.village',
      '2018-12-29',
      { min: 3, max: 7, womenMin: 1 },
      ['VC-1'],
      'Village Committee Law Art. 6',
    ],
    [
      'committee.size.owners',
      '2009-12-01',
      { min: 5, max: 11, odd: true },
      ['OW-10'],
      'Guiding Rules Art. 31',
    ],
    [
      'committee.term_years',
      '2018-12-29',
      { residents: 5, village: 5, owners: 5, default: 5 },
      ['RC-2', 'OW-10'],
      '',
    ],
    [
      'meeting.residents',
      '2018-12-29',
      {
        quorum: { ...half, rule: 'RC-5' },
        decision: { ...half, rule: 'RC-5' },
        noticeDays: 0,
        statutory: true,
      },
      ['RC-5'],
      'Art. 9: more than half of the base attend; more than half of attendees decide',
    ],
    [
      'meeting.courtyard',
      '2018-12-29',
      {
        quorum: { ...half, rule: 'RC-5' },
        decision: { ...half, rule: 'RC-5' },
        noticeDays: 0,
        statutory: false,
      },
      ['RC-5'],
      'Informal self-governance meeting: defaults to the Art. 9 thresholds',
    ],
    [
      'meeting.villagers',
      '2018-12-29',
      {
        quorum: { ...half, rule: 'VC-9' },
        decision: { ...half, rule: 'VC-9' },
        noticeDays: 10,
        statutory: true,
      },
      ['VC-9'],
      '',
    ],
    [
      'meeting.owners_assembly',
      '2021-01-01',
      {
        quorum: { numerator: 2, denominator: 3, strict: false, rule: 'OW-2' },
        decision: { ...half, rule: 'OW-4' },
        noticeDays: 15,
        statutory: true,
      },
      ['OW-2', 'OW-4', 'OW-7'],
      'Civil Code Art. 278',
    ],
    [
      'meeting.committee.owners',
      '2009-12-01',
      {
        quorum: { ...half, rule: 'OW-11' },
        decision: { numerator: 1, denominator: 2, strict: false, rule: 'OW-11' },
        decisionOfBase: true,
        noticeDays: 7,
        statutory: true,
      },
      ['OW-11', 'OW-12'],
      'Half or more of all members',
    ],
    [
      'meeting.committee.default',
      '2018-12-29',
      {
        quorum: { ...half, rule: 'CD-4' },
        decision: { ...half, rule: 'CD-4' },
        noticeDays: 0,
        statutory: false,
      },
      ['CD-4'],
      '[unverified default]',
    ],
    [
      'election.thresholds',
      '2018-12-29',
      {
        validity: { ...half, rule: 'RC-8' },
        win: { ...half, rule: 'RC-8' },
        runoff: { numerator: 1, denominator: 3, strict: false, rule: 'RC-8' },
      },
      ['RC-8', 'VC-5'],
      'default, configurable',
    ],
    [
      'election.roll',
      '2018-12-29',
      { publishDaysBefore: 20, objectionDays: 5, decideDays: 3 },
      ['VC-3'],
      'Statutory bodies (residents, village, owners)',
    ],
    [
      'election.roll.mandated',
      '2018-12-29',
      { publishDaysBefore: 0, objectionDays: 0, decideDays: 3 },
      ['VC-3'],
      'Mandated committees: the convening meeting sets the timetable; objections decided within 3 days',
    ],
  ];
  for (const [key, from, value, ids, note] of rows) {
    await q.query(
      `INSERT INTO rule_parameters (key, jurisdiction, effective_from, value, rule_ids, note)
       VALUES ($1, '*', $2, $3, $4, $5)`,
      [key, from, JSON.stringify(value), ids, note],
    );
  }
}
