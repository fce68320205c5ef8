/**
 * The composition point of the storage layer: every domain's entity schemas and migrations.
 * A new domain (personnel register, case hub) adds
 *   1. its EntitySchema list (explicit column types) to ENTITIES, and
 *   2. its migration class(es) at the end of MIGRATIONS in ./migrations/index.ts.
 */
import type { EntitySchema } from 'typeorm';
import { AUDIT_ENTITIES } from './audit.js';
import { FMB_ENTITIES } from '../insurancemedicine/entities.js';

export { MIGRATIONS } from './migrations/index.js';

export const ENTITIES: ReadonlyArray<EntitySchema<any>> = [...AUDIT_ENTITIES, ...FMB_ENTITIES];
