/**
 * The FMB content's migration (its entity schemas are entities.ts). Released: never edit it; a change to
 * these tables is a new migration, added to the list in src/schema.ts.
 */
import { Table, TableForeignKey, TableIndex, TableUnique, type MigrationInterface, type QueryRunner } from 'typeorm';

/** FMB content: versioned diagnosis information and decision supports, and the data-set version row. */
export class FmbContent1767225601000 implements MigrationInterface {
  readonly name = 'FmbContent1767225601000';

  async up(qr: QueryRunner): Promise<void> {
    const item = (name: string, key: { name: string; length: string }, titleColumn: string) =>
      new Table({
        name,
        columns: [
          { name: 'row_id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: key.name, type: 'varchar', length: key.length },
          { name: 'version', type: 'integer' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'is_current', type: 'boolean' },
          { name: titleColumn, type: 'varchar', length: '512' },
          { name: 'valid_from', type: 'varchar', length: '10' },
          { name: 'valid_to', type: 'varchar', length: '10', isNullable: true },
          { name: 'last_changed', type: 'varchar', length: '30' },
          { name: 'content_hash', type: 'varchar', length: '64' },
          { name: 'content', type: 'text' },
        ],
        uniques: [new TableUnique({ name: `uq_${name}_version`, columnNames: [key.name, 'version'] })],
        indices: [new TableIndex({ name: `ix_${name}_current`, columnNames: ['is_current', key.name] })],
      });
    await qr.createTable(item('fmb_diagnosis', { name: 'code', length: '16' }, 'display_name'));
    await qr.createTable(item('fmb_decision_support', { name: 'ds_id', length: '64' }, 'title'));
    await qr.createTable(
      new Table({
        name: 'fmb_decision_support_code',
        columns: [
          { name: 'row_id', type: 'integer', isPrimary: true },
          { name: 'code', type: 'varchar', length: '16', isPrimary: true },
        ],
        indices: [new TableIndex({ name: 'ix_fmb_decision_support_code_code', columnNames: ['code'] })],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_fmb_ds_code_row',
            columnNames: ['row_id'],
            referencedTableName: 'fmb_decision_support',
            referencedColumnNames: ['row_id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'fmb_data_set',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'version', type: 'integer' },
          { name: 'last_changed', type: 'varchar', length: '30' },
          { name: 'notice', type: 'text', isNullable: true },
          { name: 'source', type: 'varchar', length: '255', isNullable: true },
          { name: 'demo_hash', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
    );
    await qr.query(`INSERT INTO fmb_data_set (id, version, last_changed) VALUES (1, 0, '${new Date().toISOString()}')`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('fmb_data_set');
    await qr.dropTable('fmb_decision_support_code');
    await qr.dropTable('fmb_decision_support');
    await qr.dropTable('fmb_diagnosis');
  }
}
