/**
 * The overview's read program (docs/hub-people.md#reading): one read of one page, on SQLite's database thread
 * or in a read on PostgreSQL, returning sealed rows for the store to open. In order:
 *  1. reading on behalf: the mandates in effect from the subject to the representative; none → denied, and
 *     nothing else is read (so the answer is the same whether or not the subject has cases or consent);
 *  2. a person subject's consent; without active consent (while it is required) no case is read;
 *  3. the page: keyset order (case_updated DESC, id DESC) from `after`, at most `limit` rows, narrowed by the
 *     request's filters and, on behalf, by what the mandates cover (coverage.ts). The coverage is read as a
 *     union of branches, each an equality on one scope column read from that column's index in page order and
 *     limited to the page, so a page costs at most (branches × limit) index entries however many cases the
 *     subject has (docs/hub-people.md#indexes);
 *  4. each case's newest `historyLimit` history entries: revisions are contiguous from 1, so those are the
 *     revisions above (revision − historyLimit), read by the unique (case_row_id, revision) index.
 */
import type { Engine, SqlRunner } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { dbProgram } from '../storage/sqlite-thread.js';
import { programKeyRing } from './case-programs.js';
import type { OverviewCaseRow, OverviewHistoryRow, OverviewQuery, OverviewRows } from './case-rows.js';
import { consentStatusOf, readConsent } from './consent-store.js';
import { coverageBranches, coverageOf, coverageSql, type SqlCondition } from './coverage.js';
import { mandatesInEffect } from './mandate-store.js';
import { CASE_TABLES } from './schema.js';

/** Most coverage branches read separately; a wider coverage is read as one condition (correct, maybe costlier). */
const MAX_BRANCHES = 16;
/** Cases per history statement, well under SQLite's bound-parameter limit. */
const HISTORY_CHUNK = 200;

export async function overviewRowsProgram(
  m: SqlRunner,
  job: { readonly engine: Engine; readonly keysFile: string; readonly query: OverviewQuery },
): Promise<OverviewRows> {
  const { query: q, engine } = job;
  const sql = sqlFor(engine);
  const keys = programKeyRing(job.keysFile);

  let branches: SqlCondition[] = [{ sql: '1 = 1', params: [] }];
  let roles: string[] = [];
  if (q.representativeHash !== undefined) {
    const mandates = await mandatesInEffect(m, engine, keys, q.subjectHash, q.representativeHash, new Date(q.now));
    if (mandates.length === 0) return { denied: true, roles: [], cases: [], history: [] };
    roles = [...new Set(mandates.map((s) => s.mandate.role))].sort();
    const coverage = coverageOf(
      mandates.map((s) => s.mandate.scope),
      keys.scopeHash.bind(keys),
    );
    branches = coverageBranches(coverage, MAX_BRANCHES) ?? [coverageSql(coverage)];
  }

  const consentStatus = q.person ? consentStatusOf(await readConsent(m, engine, q.subjectHash, 'none')) : undefined;
  if (consentStatus !== undefined && consentStatus !== 'ACTIVE' && q.consent === 'required') {
    return { denied: false, roles, consentStatus, cases: [], history: [] };
  }

  const where = ['subject_hash = ?'];
  const params: unknown[] = [q.subjectHash];
  if (q.senderOrganisation) {
    where.push('sender_org = ?');
    params.push(q.senderOrganisation);
  }
  if (q.statuses && q.statuses.length > 0) {
    where.push(`status IN (${q.statuses.map(() => '?').join(', ')})`);
    params.push(...q.statuses);
  }
  if (q.updatedSince) {
    where.push('case_updated >= ?');
    params.push(q.updatedSince);
  }
  if (q.after) {
    // A row-value comparison: both engines read it as an index range, not a filter over earlier pages.
    where.push('(case_updated, id) < (?, ?)');
    params.push(q.after.caseUpdated, q.after.id);
  }
  const limit = Math.max(1, Math.floor(q.limit));
  const found = new Map<number, OverviewCaseRow>();
  for (const branch of branches) {
    const rows: OverviewCaseRow[] = await m.query(
      sql(
        `SELECT id, sender_org, case_id, revision, case_updated, key_id, content FROM ${CASE_TABLES.case}` +
          ` WHERE ${[...where, branch.sql].join(' AND ')} ORDER BY case_updated DESC, id DESC LIMIT ${limit}`,
      ),
      [...params, ...branch.params],
    );
    for (const r of rows) found.set(Number(r.id), r); // branches may overlap: a case two mandates cover
  }
  const cases = [...found.values()]
    .sort((a, b) => (a.case_updated === b.case_updated ? Number(b.id) - Number(a.id) : a.case_updated < b.case_updated ? 1 : -1))
    .slice(0, limit);

  const history: OverviewHistoryRow[] = [];
  for (let i = 0; i < cases.length; i += HISTORY_CHUNK) {
    const chunk = cases.slice(i, i + HISTORY_CHUNK);
    history.push(
      ...((await m.query(
        sql(
          `SELECT case_row_id, revision, key_id, content FROM ${CASE_TABLES.history} WHERE ` +
            chunk.map(() => '(case_row_id = ? AND revision > ?)').join(' OR ') +
            ` ORDER BY case_row_id, revision DESC`,
        ),
        chunk.flatMap((c) => [Number(c.id), Number(c.revision) - q.historyLimit]),
      )) as OverviewHistoryRow[]),
    );
  }
  return { denied: false, roles, ...(consentStatus ? { consentStatus } : {}), cases, history };
}

export const OVERVIEW_ROWS = dbProgram(import.meta.url, overviewRowsProgram);
