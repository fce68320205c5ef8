import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The keyed audit chain (docs/audit.md): each entry and the head row record the audit key id the entry
 * was chained with. Entries written before this migration keep NULL, i.e. unkeyed; nothing is rehashed.
 * The one check of the unkeyed chain and the anchor entry need the key, which migrations do not hold,
 * so the first start after the upgrade does them (src/storage/audit.ts, AuditTrail.anchor()).
 * Plain ADD COLUMN of a nullable column: no table rewrite on either engine.
 */
export class AuditChainKeys1767225605000 implements MigrationInterface {
  readonly name = 'AuditChainKeys1767225605000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('ALTER TABLE audit_entry ADD COLUMN key_id varchar(32)');
    await qr.query('ALTER TABLE audit_chain_head ADD COLUMN key_id varchar(32)');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query('ALTER TABLE audit_chain_head DROP COLUMN key_id');
    await qr.query('ALTER TABLE audit_entry DROP COLUMN key_id');
  }
}
