/**
 * The database schema of the whole producer: every domain's entity schemas and migrations, in ONE
 * ordered list, handed to `openDatabase` by the composition root (app.ts), the operator commands
 * (ops/cli.ts) and the tests. Storage has no list of its own and knows no domain (README, Architecture).
 *
 * Migrations run in this order and are recorded by name; both are as released. Never reorder, rename or
 * edit one: a database that has run it would not run it again, and one that has not would miss it. A new
 * migration goes at the END, its class name ending in a millisecond timestamp larger than the last
 * (TypeORM's rule). Listed explicitly (no globs), so the list works compiled and under tsx.
 */
import type { DatabaseSchema } from './storage/database.js';
import { AUDIT_ENTITIES } from './storage/audit.js';
import { AuditTrail1767225600000 } from './storage/migrations/1767225600000-AuditTrail.js';
import { AuditChainKeys1767225605000 } from './storage/migrations/1767225605000-AuditChainKeys.js';
import { FMB_ENTITIES } from './insurancemedicine/entities.js';
import { FmbContent1767225601000 } from './insurancemedicine/schema.js';
import { PersonnelLicenceDocument1767225604000, PersonnelRegister1767225602000 } from './licensetopractice/schema.js';
import { CaseHub1767225603000, CaseHubPeople1767225606000 } from './caseoverview/schema.js';

export const SCHEMA: DatabaseSchema = {
  entities: [...AUDIT_ENTITIES, ...FMB_ENTITIES],
  migrations: [
    AuditTrail1767225600000,
    FmbContent1767225601000,
    PersonnelRegister1767225602000,
    CaseHub1767225603000,
    PersonnelLicenceDocument1767225604000,
    AuditChainKeys1767225605000,
    CaseHubPeople1767225606000,
  ],
};
