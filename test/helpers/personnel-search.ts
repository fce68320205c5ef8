/**
 * SearchPersonnel without the transport: the handler over a fresh register on one engine, its audit
 * events, and a walk over every page of a search (checking the paging invariants on the way).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConsumerCategory } from '../../src/config.js';
import { DEFAULT_ACCESS_PROFILES } from '../../src/licensetopractice/access-profiles.js';
import { isDemoPersonnelLoaded, loadDemoPersonnel } from '../../src/licensetopractice/register-loader.js';
import { PersonnelStore } from '../../src/licensetopractice/personnel-store.js';
import { createSearchPersonnelHandler } from '../../src/licensetopractice/search-personnel.js';
import type {
  SearchPersonnelResponseType as SearchPersonnelResponse,
  SearchPersonnelType as SearchPersonnelRequest,
} from '../../contracts/masterdata/organisationalresources/licensetopractice/SearchPersonnelInteraction.js';
import type { RequestContext } from '../../src/soap/context.js';
import { AuditTrail, createIdentifierHasher, type AuditEntryInput } from '../../src/storage/audit.js';
import { ensureAuditKeys } from '../../src/storage/audit-keys.js';
import type { Database } from '../../src/storage/database.js';
import type { TestEngine } from './engines.js';
import { handlerContext } from './request-context.js';

export type { SearchPersonnelRequest };
export type Search = (r: SearchPersonnelRequest, c?: RequestContext) => Promise<SearchPersonnelResponse>;


/** A request context for a direct call; the supervisor's by default. */
export function ctx(category: ConsumerCategory | undefined, consumer = 'SE5599999991-1002', extra: Partial<RequestContext> = {}): RequestContext {
  return handlerContext({
    peerHsaId: consumer,
    consumerHsaId: consumer,
    consumer: category ? { category } : undefined,
    contractName: 'SearchPersonnel',
    ...extra,
  });
}

export interface SearchFixture {
  readonly database: Database;
  /** Every audit event, in order, as the handler emitted it. */
  readonly events: AuditEntryInput[];
  readonly trail: AuditTrail;
  readonly search: Search;
  close(): Promise<void>;
}

/**
 * A fresh database on `engine` holding the first `count` persons of the demo register (loaded twice, to
 * check that loading is idempotent), and the service over it with limits.maxCriteria `maxCriteria`.
 * The database itself is closed by the engine's cleanup.
 */
export async function openSearch(
  engine: TestEngine,
  options: { count: number; maxCriteria: number; hash?: (value: string) => string },
): Promise<SearchFixture> {
  const { count } = options;
  const { db: database } = await engine.open();
  assert.equal(await isDemoPersonnelLoaded(database), false);
  assert.deepEqual(await loadDemoPersonnel(database, count), { loaded: true, count });
  assert.deepEqual(await loadDemoPersonnel(database, count), { loaded: false, count }, 'idempotent');
  const events: AuditEntryInput[] = [];
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-audit-keys-'));
  const keysFile = path.join(keysDir, 'keys.json');
  ensureAuditKeys(keysFile);
  const trail = new AuditTrail(database, { keysFile });
  const service = createSearchPersonnelHandler({
    store: new PersonnelStore(database),
    profiles: DEFAULT_ACCESS_PROFILES,
    hashIdentifier: options.hash ?? createIdentifierHasher(crypto.randomBytes(32)),
    maxCriteria: options.maxCriteria,
    audit: {
      append: (e) => {
        events.push(e);
        return trail.append(e);
      },
    },
  });
  return {
    database,
    events,
    trail,
    search: (r, c = ctx('SUPERVISORY_AUTHORITY')) => service.SearchPersonnel(r, { ...c, headers: { LogicalAddress: c.logicalAddress } }),
    close: async () => {
      await trail.close();
      fs.rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/** Walks every page; returns personIds in order and checks paging invariants. */
export async function walk(search: Search, request: SearchPersonnelRequest, c?: RequestContext): Promise<{ ids: string[]; total: number; pages: number }> {
  const ids: string[] = [];
  let continuation: string | undefined;
  let total = -1;
  let pages = 0;
  do {
    const res = await search({ ...request, ...(continuation ? { continuation } : {}) }, c);
    assert.equal(res.result.resultCode, 'OK', res.result.message);
    if (total < 0) total = res.totalCount;
    assert.equal(res.totalCount, total, 'totalCount stable across pages');
    assert.equal(res.truncated, res.continuation !== undefined);
    ids.push(...(res.person ?? []).map((p) => p.personId));
    continuation = res.continuation;
    pages++;
  } while (continuation);
  // Counted by the database when the first page is full, by the page itself when it is not.
  assert.equal(total, ids.length, 'totalCount is the number of hits');
  return { ids, total, pages };
}
