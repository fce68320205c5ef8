/**
 * The case hub's tables (README, "Case hub"). Only what lookups, ordering, retention and delivery need is stored
 * in clear: the sender's organisation number and case id (the key), the subject as keyed HMAC, status,
 * caseUpdated (UTC, fixed-width ISO so text order is time order) and the revision. Everything else —
 * the case content, each history entry, each notification — is an AES-256-GCM blob with its key id.
 *
 * The second migration (CaseHubPeople) adds the hub's people: consent records, mandates, the scope columns
 * of a case as keyed HMACs, and one outbox row per recipient. Its data model and which index answers which
 * query: docs/hub-people.md.
 */
import { Table, TableForeignKey, TableIndex, TableUnique, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { SubjectKind } from './validation.js';

export const CASE_TABLES = {
  case: 'case_record',
  history: 'case_history',
  outbox: 'case_outbox',
  consent: 'case_consent',
  mandate: 'case_mandate',
} as const;

const time = (name: string, isNullable = false) => ({ name, type: 'varchar', length: '24', isNullable });
const sealed = [
  { name: 'key_id', type: 'varchar', length: '32' },
  { name: 'content', type: 'text' },
];

export class CaseHub1767225603000 implements MigrationInterface {
  readonly name = 'CaseHub1767225603000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: CASE_TABLES.case,
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'sender_org', type: 'varchar', length: '10' },
          { name: 'case_id', type: 'varchar', length: '64' },
          { name: 'subject_hash', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          time('case_updated'),
          { name: 'revision', type: 'integer' },
          { name: 'content_mac', type: 'varchar', length: '64' },
          ...sealed,
          time('stored_at'),
        ],
        uniques: [new TableUnique({ name: 'uq_case_record_key', columnNames: ['sender_org', 'case_id'] })],
        indices: [
          new TableIndex({ name: 'ix_case_record_subject', columnNames: ['subject_hash', 'case_updated'] }),
          new TableIndex({ name: 'ix_case_record_retention', columnNames: ['status', 'case_updated'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: CASE_TABLES.history,
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'case_row_id', type: 'integer' },
          { name: 'revision', type: 'integer' },
          time('recorded_at'),
          ...sealed,
        ],
        uniques: [new TableUnique({ name: 'uq_case_history_revision', columnNames: ['case_row_id', 'revision'] })],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_case_history_case',
            columnNames: ['case_row_id'],
            referencedTableName: CASE_TABLES.case,
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: CASE_TABLES.outbox,
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'notification_id', type: 'varchar', length: '36' },
          // No foreign key: a purged case takes its undelivered notifications with it explicitly.
          { name: 'case_row_id', type: 'integer' },
          time('created_at'),
          ...sealed,
          { name: 'attempts', type: 'integer', default: 0 },
          time('next_attempt_at'),
          time('claimed_until', true),
          { name: 'claim_token', type: 'varchar', length: '36', isNullable: true },
          time('delivered_at', true),
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
        ],
        uniques: [new TableUnique({ name: 'uq_case_outbox_notification', columnNames: ['notification_id'] })],
        indices: [
          new TableIndex({ name: 'ix_case_outbox_due', columnNames: ['delivered_at', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_case_outbox_case', columnNames: ['case_row_id'] }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable(CASE_TABLES.outbox);
    await qr.dropTable(CASE_TABLES.history);
    await qr.dropTable(CASE_TABLES.case);
  }
}

/** case_record.subject_kind: what every push writes, and what the consent rule reads (persons need consent). */
export type StoredSubjectKind = 'person' | 'organisation';
export const storedSubjectKind = (kind: SubjectKind): StoredSubjectKind => (kind === 'organisationNumber' ? 'organisation' : 'person');

/** The indexes of case_record after CaseHubPeople, one per query shape (docs/hub-people.md#indexes). */
export const CASE_RECORD_INDEXES = {
  subject: 'ix_case_record_subject_updated',
  sender: 'ix_case_record_subject_sender',
  category: 'ix_case_record_subject_category',
  committee: 'ix_case_record_subject_committee',
  serviceArea: 'ix_case_record_subject_service_area',
  /** Partial: the rows written before this migration, until backfill.ts has classified them (few, then none). */
  unclassified: 'ix_case_record_unclassified',
} as const;

export const CASE_MANDATE_INDEXES = {
  representative: 'ix_case_mandate_representative',
  grantorRepresentative: 'ix_case_mandate_grantor_representative',
} as const;

/** Hashes (hex HMAC-SHA256) are 64 characters; booleans are SMALLINT 0/1 on both engines, as elsewhere. */
const hash = (name: string, isNullable = false) => ({ name, type: 'varchar', length: '64', isNullable });

/**
 * The hub's people (docs/hub-people.md#data-model). New tables for consent and mandates; on case_record the
 * subject's kind and the scope values a mandate filters on, as keyed HMACs (NULL on rows written before, and
 * when the case has no such value); on case_outbox the recipient of each row. Columns are added with plain
 * ALTER TABLE ADD COLUMN on both engines (never a table rebuild), so existing rows and the history's foreign
 * key stay as they are.
 */
export class CaseHubPeople1767225606000 implements MigrationInterface {
  readonly name = 'CaseHubPeople1767225606000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: CASE_TABLES.consent,
        columns: [
          { ...hash('subject_hash'), isPrimary: true },
          { name: 'status', type: 'varchar', length: '8' },
          { name: 'consent_version', type: 'varchar', length: '64' },
          { name: 'auth_method', type: 'varchar', length: '32' },
          time('since'),
          time('acted_at'),
          time('updated_at'),
          hash('guardian_hash', true),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: CASE_TABLES.mandate,
        columns: [
          { name: 'mandate_id', type: 'varchar', length: '64', isPrimary: true },
          hash('grantor_hash'),
          hash('representative_hash'),
          { name: 'role', type: 'varchar', length: '16' },
          time('valid_from'),
          time('effective_end'),
          time('revoked_at', true),
          { name: 'notify_representative', type: 'smallint' },
          hash('content_mac'),
          ...sealed,
          time('registered_at'),
        ],
        indices: [
          new TableIndex({ name: CASE_MANDATE_INDEXES.representative, columnNames: ['representative_hash'] }),
          new TableIndex({ name: CASE_MANDATE_INDEXES.grantorRepresentative, columnNames: ['grantor_hash', 'representative_hash'] }),
        ],
      }),
    );

    const c = CASE_TABLES.case;
    await qr.query(`ALTER TABLE ${c} ADD COLUMN subject_kind VARCHAR(16) NULL`);
    for (const column of ['category_hash', 'committee_hash', 'service_area_hash']) {
      await qr.query(`ALTER TABLE ${c} ADD COLUMN ${column} VARCHAR(64) NULL`);
    }
    // (subject_hash, case_updated, id) replaces (subject_hash, case_updated): the same lookups, plus the paging key.
    await qr.query(`DROP INDEX ix_case_record_subject`);
    const idx = CASE_RECORD_INDEXES;
    await qr.query(`CREATE INDEX ${idx.subject} ON ${c} (subject_hash, case_updated, id)`);
    await qr.query(`CREATE INDEX ${idx.sender} ON ${c} (subject_hash, sender_org, case_updated, id)`);
    await qr.query(`CREATE INDEX ${idx.category} ON ${c} (subject_hash, category_hash, case_updated, id)`);
    await qr.query(`CREATE INDEX ${idx.committee} ON ${c} (subject_hash, committee_hash, case_updated, id)`);
    await qr.query(`CREATE INDEX ${idx.serviceArea} ON ${c} (subject_hash, service_area_hash, case_updated, id)`);
    await qr.query(`CREATE INDEX ${idx.unclassified} ON ${c} (id) WHERE subject_kind IS NULL`);

    const o = CASE_TABLES.outbox;
    await qr.query(`ALTER TABLE ${o} ADD COLUMN recipient_kind VARCHAR(16) NOT NULL DEFAULT 'subject'`);
    await qr.query(`ALTER TABLE ${o} ADD COLUMN recipient_hash VARCHAR(64) NULL`);
  }

  async down(qr: QueryRunner): Promise<void> {
    const o = CASE_TABLES.outbox;
    await qr.query(`ALTER TABLE ${o} DROP COLUMN recipient_hash`);
    await qr.query(`ALTER TABLE ${o} DROP COLUMN recipient_kind`);
    const c = CASE_TABLES.case;
    for (const name of Object.values(CASE_RECORD_INDEXES)) await qr.query(`DROP INDEX ${name}`);
    await qr.query(`CREATE INDEX ix_case_record_subject ON ${c} (subject_hash, case_updated)`);
    for (const column of ['service_area_hash', 'committee_hash', 'category_hash', 'subject_kind']) {
      await qr.query(`ALTER TABLE ${c} DROP COLUMN ${column}`);
    }
    await qr.dropTable(CASE_TABLES.mandate);
    await qr.dropTable(CASE_TABLES.consent);
  }
}
