/**
 * The case hub's tables (spec §5.4). Only what lookups, ordering, retention and delivery need is stored
 * in clear: the sender's organisation number and case id (the key), the subject as keyed HMAC, status,
 * caseUpdated (UTC, fixed-width ISO so text order is time order) and the revision. Everything else —
 * the case content, each history entry, each notification — is an AES-256-GCM blob with its key id.
 */
import { Table, TableForeignKey, TableIndex, TableUnique, type MigrationInterface, type QueryRunner } from 'typeorm';

export const CASE_TABLES = { case: 'case_record', history: 'case_history', outbox: 'case_outbox' } as const;

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
