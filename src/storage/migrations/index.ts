/**
 * Every migration, in the order it runs. Listed explicitly (no globs), so the list works both compiled
 * (dist/) and under tsx. Append a domain's new migration at the END; never reorder or edit a released one.
 * Class names end in a millisecond timestamp (TypeORM's rule); keep them increasing.
 */
import type { MigrationInterface } from 'typeorm';
import { AuditTrail1767225600000 } from './1767225600000-AuditTrail.js';
import { FmbContent1767225601000 } from './1767225601000-FmbContent.js';
import { AuditChainKeys1767225605000 } from './1767225605000-AuditChainKeys.js';
import { PersonnelLicenceDocument1767225604000, PersonnelRegister1767225602000 } from '../../licensetopractice/schema.js';
import { CaseHub1767225603000 } from '../../caseoverview/schema.js';

export const MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  AuditTrail1767225600000,
  FmbContent1767225601000,
  PersonnelRegister1767225602000,
  CaseHub1767225603000,
  PersonnelLicenceDocument1767225604000,
  AuditChainKeys1767225605000,
];
