/**
 * FMB tables (created by migration FmbContent1767225601000, schema.ts; column types explicit).
 * Each item version is one row: key columns for lookup plus the normalised content as canonical JSON.
 * fmb_data_set (one row, id = 1) holds the data-set version that every import bumps in its own
 * transaction; readers compare it to their in-memory snapshot (see fmb-store.ts).
 */
import { EntitySchema } from 'typeorm';

const int = { to: (v: number) => v, from: (v: unknown) => Number(v) };
const bool = { to: (v: boolean) => v, from: (v: unknown) => v === true || v === 1 || v === '1' };

interface FmbDiagnosisRow {
  rowId: number;
  code: string;
  version: number;
  status: string;
  isCurrent: boolean;
  displayName: string;
  validFrom: string;
  validTo: string | null;
  lastChanged: string;
  contentHash: string;
  content: string;
}

const FmbDiagnosisSchema = new EntitySchema<FmbDiagnosisRow>({
  name: 'FmbDiagnosis',
  tableName: 'fmb_diagnosis',
  columns: {
    rowId: { name: 'row_id', type: 'integer', primary: true, generated: 'increment' },
    code: { type: 'varchar', length: 16 },
    version: { type: 'integer' },
    status: { type: 'varchar', length: 16 },
    isCurrent: { name: 'is_current', type: 'boolean', transformer: bool },
    displayName: { name: 'display_name', type: 'varchar', length: 512 },
    validFrom: { name: 'valid_from', type: 'varchar', length: 10 },
    validTo: { name: 'valid_to', type: 'varchar', length: 10, nullable: true },
    lastChanged: { name: 'last_changed', type: 'varchar', length: 30 },
    contentHash: { name: 'content_hash', type: 'varchar', length: 64 },
    content: { type: 'text' },
  },
});

interface FmbDecisionSupportRow {
  rowId: number;
  dsId: string;
  version: number;
  status: string;
  isCurrent: boolean;
  title: string;
  validFrom: string;
  validTo: string | null;
  lastChanged: string;
  contentHash: string;
  content: string;
}

const FmbDecisionSupportSchema = new EntitySchema<FmbDecisionSupportRow>({
  name: 'FmbDecisionSupport',
  tableName: 'fmb_decision_support',
  columns: {
    rowId: { name: 'row_id', type: 'integer', primary: true, generated: 'increment' },
    dsId: { name: 'ds_id', type: 'varchar', length: 64 },
    version: { type: 'integer' },
    status: { type: 'varchar', length: 16 },
    isCurrent: { name: 'is_current', type: 'boolean', transformer: bool },
    title: { type: 'varchar', length: 512 },
    validFrom: { name: 'valid_from', type: 'varchar', length: 10 },
    validTo: { name: 'valid_to', type: 'varchar', length: 10, nullable: true },
    lastChanged: { name: 'last_changed', type: 'varchar', length: 30 },
    contentHash: { name: 'content_hash', type: 'varchar', length: 64 },
    content: { type: 'text' },
  },
});

interface FmbDecisionSupportCodeRow {
  rowId: number;
  code: string;
}

const FmbDecisionSupportCodeSchema = new EntitySchema<FmbDecisionSupportCodeRow>({
  name: 'FmbDecisionSupportCode',
  tableName: 'fmb_decision_support_code',
  columns: {
    rowId: { name: 'row_id', type: 'integer', primary: true, transformer: int },
    code: { type: 'varchar', length: 16, primary: true },
  },
});

interface FmbDataSetRow {
  id: number;
  version: number;
  lastChanged: string;
  notice: string | null;
  source: string | null;
  demoHash: string | null;
}

const FmbDataSetSchema = new EntitySchema<FmbDataSetRow>({
  name: 'FmbDataSet',
  tableName: 'fmb_data_set',
  columns: {
    id: { type: 'integer', primary: true },
    version: { type: 'integer', transformer: int },
    lastChanged: { name: 'last_changed', type: 'varchar', length: 30 },
    notice: { type: 'text', nullable: true },
    source: { type: 'varchar', length: 255, nullable: true },
    demoHash: { name: 'demo_hash', type: 'varchar', length: 64, nullable: true },
  },
});

export const FMB_ENTITIES = [FmbDiagnosisSchema, FmbDecisionSupportSchema, FmbDecisionSupportCodeSchema, FmbDataSetSchema];
