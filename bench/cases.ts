/**
 * The case data a run needs before anything is timed (bench/run.ts), made through the producer's own
 * contracts (bench/seed.ts):
 *  - consent for every person subject the run pushes for or reads, when the build serves
 *    UpdateCaseOverviewConsent (a push for a person without consent stores nothing);
 *  - exactly CASES_PER_SUBJECT cases for each subject GetCaseOverview reads, so that an overview point
 *    reads the same amount of data whenever it runs (`cases_per_subject` in results.json);
 *  - when GetCaseOverview version 2 is served: one subject with `deepCases` cases, whose pages of 10
 *    are walked once for their continuation tokens, so that the timed point reads random deep pages.
 */
import type { ClientTls } from './load.js';
import type { Options } from './options.js';
import { log, serves } from './processes.js';
import {
  CASES_PER_SUBJECT,
  consentEnvelope,
  deepSubject,
  endpointPath,
  overviewEnvelope,
  overviewSubjects,
  POOL_SIZE,
  PUSH_DONE,
  pushEnvelope,
  pushSubjects,
  soapActionOf,
  type BenchSubject,
} from './requests.js';
import { sendAll, walkPages, type Target } from './seed.js';

export interface CaseData {
  /** The GetCaseOverview major version the run reads: 2 when served (maxResults and continuation). */
  readonly overviewMajor: 1 | 2;
  /** Requests for random deep pages of the subject with `deepCases` cases (version 2 only). */
  readonly deepBodies?: string[];
  readonly deepCases?: number;
  /** Why there is no deep point, when there is none. */
  readonly deepNotMeasured?: string;
}

const SEED_CONCURRENCY = 16;
const DAY_MS = 86_400_000;
const OK = (body: string) => /<(?:[\w-]+:)?resultCode>(?:OK|INFO)</.test(body);

/** Cases of one subject, created ten days ago one minute apart, each updated a minute after it was created. */
function* casesOf(runId: string, tag: string, subject: BenchSubject, count: number): Generator<string> {
  const start = Date.now() - 10 * DAY_MS;
  for (let k = 0; k < count; k++) {
    const created = new Date(start + k * 60_000);
    yield pushEnvelope(`seed-${runId}-${tag}-${k}`, subject, `Ärende ${k + 1}`, k % 4 === 3 ? 'CLOSED' : 'IN_PROGRESS', created, new Date(created.getTime() + 60_000));
  }
}

/** A deterministic shuffle (the pages are read in an order unrelated to how they were written). */
function shuffled<T>(list: readonly T[]): T[] {
  const out = [...list];
  let seed = 7;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function prepareCases(p: {
  readonly port: number;
  readonly creds: (role: string) => ClientTls;
  readonly runId: string;
  /** GetCaseOverview is in this run and served. */
  readonly overview: boolean;
  readonly opts: Pick<Options, 'overviewSubjects' | 'deepCases'>;
}): Promise<CaseData> {
  const view = p.creds('case-view');
  const target = (op: 'PushCaseStatus' | 'GetCaseOverview' | 'UpdateCaseOverviewConsent', major: number, tls: ClientTls): Target => ({
    url: `https://127.0.0.1:${p.port}${endpointPath(op, major)}`,
    tls,
    soapAction: soapActionOf(op, major),
  });
  const push = target('PushCaseStatus', 1, p.creds('case-system'));
  const v2 = p.overview && (await serves(p.port, view, endpointPath('GetCaseOverview', 2)));
  const read = p.overview ? overviewSubjects(p.opts.overviewSubjects) : [];
  const deep = deepSubject();

  if (await serves(p.port, view, endpointPath('UpdateCaseOverviewConsent'))) {
    const persons = [...pushSubjects(), ...read, ...(v2 ? [deep] : [])];
    await sendAll(target('UpdateCaseOverviewConsent', 1, view), persons.map(consentEnvelope), SEED_CONCURRENCY, OK, 'consent');
    log(`seeded: consent for ${persons.length} subjects`);
  }
  if (!p.overview) return { overviewMajor: 1, deepNotMeasured: 'GetCaseOverview is not in this run' };

  const seeds = function* () {
    for (const [i, subject] of read.entries()) yield* casesOf(p.runId, `s${i}`, subject, CASES_PER_SUBJECT);
  };
  await sendAll(push, seeds(), SEED_CONCURRENCY, PUSH_DONE, `${CASES_PER_SUBJECT} cases per overview subject`);
  log(`seeded: ${CASES_PER_SUBJECT} cases for each of ${read.length} overview subjects`);
  if (!v2) return { overviewMajor: 1, deepNotMeasured: 'GetCaseOverview version 2 (maxResults, continuation) is not served by this build' };

  await sendAll(push, casesOf(p.runId, 'deep', deep, p.opts.deepCases), SEED_CONCURRENCY, PUSH_DONE, `${p.opts.deepCases} cases of one subject`);
  const tokens = await walkPages(
    target('GetCaseOverview', 2, view),
    (continuation) => overviewEnvelope(deep, 2, { maxResults: CASES_PER_SUBJECT, ...(continuation !== undefined ? { continuation } : {}) }),
    Math.ceil(p.opts.deepCases / CASES_PER_SUBJECT) + 1,
  );
  log(`seeded: ${p.opts.deepCases} cases of one subject; ${tokens.length} continuation tokens of its pages`);
  if (tokens.length === 0) return { overviewMajor: 2, deepNotMeasured: `version 2 gave no continuation for a subject with ${p.opts.deepCases} cases` };
  const deepBodies = shuffled(tokens)
    .slice(0, POOL_SIZE)
    .map((continuation) => overviewEnvelope(deep, 2, { maxResults: CASES_PER_SUBJECT, continuation }));
  return { overviewMajor: 2, deepBodies, deepCases: p.opts.deepCases };
}
