import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The append-only, hash-chained audit trail (README, Audit trail) and its one-row chain head. */
export class AuditTrail1767225600000 implements MigrationInterface {
  readonly name = 'AuditTrail1767225600000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'audit_entry',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'time', type: 'varchar', length: '30' },
          { name: 'actor', type: 'varchar', length: '64' },
          { name: 'peer', type: 'varchar', length: '64' },
          { name: 'contract', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '32' },
          { name: 'logical_address', type: 'varchar', length: '128', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '32', isNullable: true },
          { name: 'criteria', type: 'text' },
          { name: 'record_count', type: 'integer' },
          { name: 'correlation_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'log_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    await qr.createIndex('audit_entry', new TableIndex({ name: 'ix_audit_entry_time', columnNames: ['time'] }));
    await qr.createIndex('audit_entry', new TableIndex({ name: 'ix_audit_entry_actor_time', columnNames: ['actor', 'time'] }));
    await qr.createIndex('audit_entry', new TableIndex({ name: 'ix_audit_entry_correlation', columnNames: ['correlation_id'] }));
    await qr.createTable(
      new Table({
        name: 'audit_chain_head',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'seq', type: 'bigint' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    await qr.query(`INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}')`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('audit_chain_head');
    await qr.dropTable('audit_entry');
  }
}
