/**
 * FMB data access: the only module that talks SQL for this domain (handlers never do).
 *
 * Caching — "fast, and never stale after an import":
 *   Every import runs in one transaction that also bumps `fmb_data_set.version` (row id = 1). Reads
 *   are served from an immutable in-memory snapshot tagged with the data-set version it was built
 *   from. Before answering, `FmbStore.current()` does ONE primary-key read of that row
 *   (`SELECT version, last_changed FROM fmb_data_set WHERE id = 1`, microseconds on SQLite, one
 *   round trip on PostgreSQL) and rebuilds the snapshot when the version differs. So a request that
 *   starts after an import has committed — in this process, in the import CLI, or on another instance
 *   sharing the PostgreSQL — always sees the new content; there is no time window, unlike a TTL or a
 *   "check every N ms" cache, and no dependency on LISTEN/NOTIFY delivery. The same read gives
 *   `versionInfo` for the response, so it is never extra work.
 *   The rebuild reads the version, then the rows, then the version again and retries if it moved, so a
 *   snapshot is never a mix of two imports (works on both engines without a long read transaction).
 *   Concurrent requests that find the same new version share one rebuild.
 */
import { AsyncResource } from 'node:async_hooks';
import type { Database, Engine, SqlRunner } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { icd10Ancestors } from './icd10.js';
import {
  contentHash,
  type DecisionSupportContent,
  type DecisionSupportRecord,
  type DiagnosisContent,
  type DiagnosisRecord,
  type RowStatus,
} from './model.js';
import type { ImportFile } from './import-format.js';

export interface DataSetVersion {
  /** Incremented by every import that changes anything. 0 = nothing imported yet. */
  readonly version: number;
  /** ISO 8601 UTC time of the last change. */
  readonly lastChanged: string;
}

export interface FmbSnapshot extends DataSetVersion {
  /** Current version of every diagnosis, by normalised code (rowStatus active, inactive or archived). */
  readonly diagnoses: ReadonlyMap<string, DiagnosisRecord>;
  /** Every stored version of every decision support, ordered by id then version (newest first). */
  readonly decisionSupports: readonly DecisionSupportRecord[];
  /** Versions by decision-support id, newest first. */
  readonly decisionSupportsById: ReadonlyMap<string, readonly DecisionSupportRecord[]>;
  /** Versions by covered ICD-10 code (as listed in diagnosisCodes). */
  readonly decisionSupportsByCode: ReadonlyMap<string, readonly DecisionSupportRecord[]>;
  /** Current, active decision-support ids that apply to a diagnosis code (same code or a descendant of it). */
  readonly relatedDecisionSupportIds: ReadonlyMap<string, readonly string[]>;
}

export interface ImportSummary {
  /** True when anything changed (and the data-set version was bumped). */
  readonly changed: boolean;
  readonly dataSetVersion: number;
  readonly diagnoses: ItemCounts;
  readonly decisionSupports: ItemCounts;
}

interface ItemCounts {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly archived: number;
}

export interface DataSetInfo extends DataSetVersion {
  readonly notice: string | null;
  readonly source: string | null;
  readonly demoHash: string | null;
}

const VERSION_SQL = 'SELECT version, last_changed FROM fmb_data_set WHERE id = 1';

export class FmbStore {
  private snapshot: FmbSnapshot | undefined;
  private loading: Promise<FmbSnapshot> | undefined;
  private pendingCheck: Promise<DataSetVersion> | undefined;
  private readonly context = new AsyncResource('FmbStore.versionCheck');

  constructor(private readonly db: Database) {}

  /** The data-set version row (one primary-key read). */
  async dataSetVersion(): Promise<DataSetVersion> {
    const rows: Array<{ version: unknown; last_changed: string }> = await this.db.read((m) => m.query(VERSION_SQL));
    const row = rows[0];
    if (!row) throw new Error('fmb_data_set has no row: the FmbContent migration has not run');
    return { version: Number(row.version), lastChanged: row.last_changed };
  }

  async dataSetInfo(): Promise<DataSetInfo> {
    const rows: Array<{ version: unknown; last_changed: string; notice: string | null; source: string | null; demo_hash: string | null }> =
      await this.db.read((m) => m.query('SELECT version, last_changed, notice, source, demo_hash FROM fmb_data_set WHERE id = 1'));
    const r = rows[0]!;
    return { version: Number(r.version), lastChanged: r.last_changed, notice: r.notice, source: r.source, demoHash: r.demo_hash };
  }

  /** The content as of now: never older than the last committed import (see the header comment). */
  async current(): Promise<FmbSnapshot> {
    const { version } = await this.sharedVersionCheck();
    const snap = this.snapshot;
    // >=: a read that started before a newer snapshot was built may report the older version.
    if (snap && snap.version >= version) return snap;
    if (this.loading) {
      const loaded = await this.loading;
      if (loaded.version >= version) return loaded;
    }
    return this.reload();
  }

  /**
   * The version read that every request arriving in the same event-loop turn shares: it runs in the
   * check phase (setImmediate), after the turn's requests have arrived, so each of them still reads
   * a version no older than its own arrival and the guarantee above holds. Under load one read
   * serves several requests; measured, the per-request read cost GetDiagnosis about a third of its
   * throughput (docs/performance.md).
   */
  private sharedVersionCheck(): Promise<DataSetVersion> {
    if (this.pendingCheck) return this.pendingCheck;
    const check = new Promise<DataSetVersion>((resolve, reject) => {
      // In the store's own async context, not the first caller's: a caller inside db.transaction()
      // must not lend its transaction to everyone's read.
      this.context.runInAsyncScope(() =>
        setImmediate(() => {
          // From here on a new arrival needs a read of its own.
          if (this.pendingCheck === check) this.pendingCheck = undefined;
          this.dataSetVersion().then(resolve, reject);
        }),
      );
    });
    this.pendingCheck = check;
    return check;
  }

  /** Forces a rebuild (tests, admin). */
  reload(): Promise<FmbSnapshot> {
    const p = this.load().then(
      (s) => {
        if (!this.snapshot || s.version >= this.snapshot.version) this.snapshot = s;
        return s;
      },
    );
    this.loading = p;
    void p.finally(() => {
      if (this.loading === p) this.loading = undefined;
    }).catch(() => undefined);
    return p;
  }

  private async load(): Promise<FmbSnapshot> {
    for (let attempt = 0; ; attempt++) {
      const before = await this.dataSetVersion();
      const [dRows, sRows] = await this.db.read(async (m) => {
        const d: RawItemRow[] = await m.query(
          'SELECT version, status, is_current, last_changed, content FROM fmb_diagnosis WHERE is_current = ' + (this.db.engine === 'postgres' ? 'true' : '1'),
        );
        const s: RawItemRow[] = await m.query(
          'SELECT version, status, is_current, last_changed, content FROM fmb_decision_support ORDER BY ds_id, version DESC',
        );
        return [d, s] as const;
      });
      const after = await this.dataSetVersion();
      if (after.version !== before.version && attempt < 5) continue;
      return buildSnapshot(after, dRows.map(toDiagnosisRecord), sRows.map(toDecisionSupportRecord));
    }
  }

  /**
   * Imports a parsed, validated file in one transaction. A changed item gets a new version and its old
   * version is archived; identical content (same canonical hash) is left alone; `replace` mode archives
   * current items the file no longer lists. The data-set version is bumped only when something changed.
   */
  async import(file: ImportFile, options: { now?: Date; demoHash?: string } = {}): Promise<ImportSummary> {
    const now = (options.now ?? new Date()).toISOString();
    const engine = this.db.engine;
    return this.db.transaction(async (m) => {
      // Serialise imports (also across instances): lock the data-set row first.
      await m.query(`SELECT version FROM fmb_data_set WHERE id = 1${engine === 'postgres' ? ' FOR UPDATE' : ''}`);
      const diagnoses = await importItems(m, engine, now, file.mode, {
        table: 'fmb_diagnosis',
        keyColumn: 'code',
        titleColumn: 'display_name',
        items: file.diagnoses,
        key: (d: DiagnosisContent) => d.code,
        title: (d: DiagnosisContent) => d.displayName,
        status: (d: DiagnosisContent) => d.status,
      });
      const decisionSupports = await importItems(m, engine, now, file.mode, {
        table: 'fmb_decision_support',
        keyColumn: 'ds_id',
        titleColumn: 'title',
        items: file.decisionSupports,
        key: (d: DecisionSupportContent) => d.id,
        title: (d: DecisionSupportContent) => d.title,
        status: (d: DecisionSupportContent) => d.status,
        afterInsert: async (rowId: number, d: DecisionSupportContent) => {
          for (const code of d.diagnosisCodes) {
            await m.query(sqlFor(engine)('INSERT INTO fmb_decision_support_code (row_id, code) VALUES (?, ?)'), [rowId, code]);
          }
        },
      });
      const changed =
        diagnoses.created + diagnoses.updated + diagnoses.archived + decisionSupports.created + decisionSupports.updated + decisionSupports.archived > 0;
      const sets: string[] = [];
      const params: unknown[] = [];
      if (changed) {
        sets.push('version = version + 1', 'last_changed = ?');
        params.push(now);
        if (file.notice !== undefined) {
          sets.push('notice = ?');
          params.push(file.notice);
        }
        if (file.source !== undefined) {
          sets.push('source = ?');
          params.push(file.source);
        }
      }
      if (options.demoHash !== undefined) {
        sets.push('demo_hash = ?');
        params.push(options.demoHash);
      }
      if (sets.length > 0) await m.query(sqlFor(engine)(`UPDATE fmb_data_set SET ${sets.join(', ')} WHERE id = 1`), params);
      const rows: Array<{ version: unknown }> = await m.query('SELECT version FROM fmb_data_set WHERE id = 1');
      return { changed, dataSetVersion: Number(rows[0]!.version), diagnoses, decisionSupports };
    });
  }
}

interface RawItemRow {
  version: unknown;
  status: string;
  is_current: unknown;
  last_changed: string;
  content: string;
}

function versioned(r: RawItemRow) {
  return {
    version: Number(r.version),
    lastChanged: r.last_changed,
    rowStatus: r.status as RowStatus,
    isCurrent: r.is_current === true || r.is_current === 1 || r.is_current === '1',
  };
}

function toDiagnosisRecord(r: RawItemRow): DiagnosisRecord {
  return { ...(JSON.parse(r.content) as DiagnosisContent), ...versioned(r) };
}

function toDecisionSupportRecord(r: RawItemRow): DecisionSupportRecord {
  return { ...(JSON.parse(r.content) as DecisionSupportContent), ...versioned(r) };
}

/** Builds the lookup structures of a snapshot (pure; exported for tests). */
export function buildSnapshot(
  version: DataSetVersion,
  diagnoses: readonly DiagnosisRecord[],
  decisionSupports: readonly DecisionSupportRecord[],
): FmbSnapshot {
  const byCode = new Map<string, DiagnosisRecord>();
  for (const d of diagnoses) if (d.isCurrent) byCode.set(d.code, d);
  const sorted = [...decisionSupports].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : b.version - a.version));
  const byId = new Map<string, DecisionSupportRecord[]>();
  const dsByCode = new Map<string, DecisionSupportRecord[]>();
  const related = new Map<string, string[]>();
  for (const ds of sorted) {
    let list = byId.get(ds.id);
    if (!list) byId.set(ds.id, (list = []));
    list.push(ds);
    for (const code of ds.diagnosisCodes) {
      let l = dsByCode.get(code);
      if (!l) dsByCode.set(code, (l = []));
      l.push(ds);
      if (ds.isCurrent && ds.rowStatus === 'active') {
        // Relate the support to its own code and every ancestor: F32 information relates to an F32.1 support.
        for (const c of [code, ...icd10Ancestors(code)]) {
          let r = related.get(c);
          if (!r) related.set(c, (r = []));
          if (!r.includes(ds.id)) r.push(ds.id);
        }
      }
    }
  }
  return {
    version: version.version,
    lastChanged: version.lastChanged,
    diagnoses: byCode,
    decisionSupports: sorted,
    decisionSupportsById: byId,
    decisionSupportsByCode: dsByCode,
    relatedDecisionSupportIds: related,
  };
}

interface ItemSpec<T extends DiagnosisContent | DecisionSupportContent> {
  readonly table: 'fmb_diagnosis' | 'fmb_decision_support';
  readonly keyColumn: 'code' | 'ds_id';
  readonly titleColumn: 'display_name' | 'title';
  readonly items: readonly T[];
  readonly key: (item: T) => string;
  readonly title: (item: T) => string;
  readonly status: (item: T) => string;
  readonly afterInsert?: (rowId: number, item: T) => Promise<void>;
}

async function importItems<T extends DiagnosisContent | DecisionSupportContent>(
  m: SqlRunner,
  engine: Engine,
  now: string,
  mode: 'merge' | 'replace',
  spec: ItemSpec<T>,
): Promise<ItemCounts> {
  const { table, keyColumn } = spec;
  const sql = sqlFor(engine);
  const currentRows: Array<{ row_id: unknown; item_key: string; version: unknown; status: string; content_hash: string }> = await m.query(
    `SELECT row_id, ${keyColumn} AS item_key, version, status, content_hash FROM ${table} WHERE is_current = ${engine === 'postgres' ? 'true' : '1'}`,
  );
  const current = new Map(currentRows.map((r) => [r.item_key, { rowId: Number(r.row_id), version: Number(r.version), status: r.status, hash: r.content_hash }]));
  const counts = { created: 0, updated: 0, unchanged: 0, archived: 0 };
  const listed = new Set<string>();
  for (const item of spec.items) {
    const key = spec.key(item);
    listed.add(key);
    const hash = contentHash(item);
    const existing = current.get(key);
    if (existing && existing.hash === hash && existing.status !== 'archived') {
      counts.unchanged++;
      continue;
    }
    if (existing) {
      // A decision support whose content itself says "archived" keeps that status as its current row.
      await m.query(sql(`UPDATE ${table} SET is_current = ?, status = ? WHERE row_id = ?`), [false, 'archived', existing.rowId]);
    }
    const version = existing ? existing.version + 1 : 1;
    const inserted: Array<{ row_id: unknown }> = await m.query(
      sql(
        `INSERT INTO ${table} (${keyColumn}, version, status, is_current, ${spec.titleColumn}, valid_from, valid_to, last_changed, content_hash, content)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING row_id`,
      ),
      [key, version, spec.status(item), true, spec.title(item), item.validity.from, item.validity.to ?? null, now, hash, JSON.stringify(item)],
    );
    const rowId = Number(inserted[0]!.row_id);
    if (spec.afterInsert) await spec.afterInsert(rowId, item);
    if (existing) counts.updated++;
    else counts.created++;
  }
  if (mode === 'replace') {
    for (const [key, row] of current) {
      if (listed.has(key) || row.status === 'archived') continue;
      await m.query(sql(`UPDATE ${table} SET status = ?, last_changed = ? WHERE row_id = ?`), ['archived', now, row.rowId]);
      counts.archived++;
    }
  }
  return counts;
}
