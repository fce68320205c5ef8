/**
 * The PushCaseStatus handler (README, "Case hub"). Order of checks, each refusal a normal response with
 * result ERROR and audited:
 *  1. the effective consumer is a CASE_SYSTEM, and `senderOrganisation.organisationNumber` is one the
 *     consumer registry lists for it (only the number is compared; the name is display) — ACCESS_DENIED;
 *  2. the sender's signature policy: `required` and no signature, or any defect in a present signature
 *     — ACCESS_DENIED; a valid signature is kept as evidence with the history entry;
 *  3. business rules beyond the XSD (validation.ts) — VALIDATION_ERROR;
 *  4. the store applies it, checking a person subject's consent first inside the write transaction: without
 *     active consent (while consent is required) nothing is stored — no outcome, INFO; otherwise CREATED /
 *     UPDATED / UNCHANGED (OK), STALE (INFO, not applied), or ERROR CONFLICT (same caseUpdated, other
 *     content). The answer leaves only after the commit.
 * Versions 1 and 2 share this one core (docs/hub-people.md#pushes-and-consent); version 2 adds committee and
 * serviceArea to the case and consentStatus to the answer, version 1 answers without consentStatus.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditLog } from '../storage/audit.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import type { PushCaseStatusV1ResponderInterface } from '../../contracts/casemanagement/caseoverview/PushCaseStatusInteraction_1.js';
import type {
  PushCaseStatusV2ResponderInterface,
  PushCaseStatusResponseType,
  PushCaseStatusType,
} from '../../contracts/casemanagement/caseoverview/PushCaseStatusInteraction_2.js';
import type { PushResult } from './case-rows.js';
import type { CaseStore } from './case-store.js';
import { verifyCaseStatusSignature } from './signature.js';
import { CaseRefusal, refusalResult, validateCaseStatus } from './validation.js';

export interface PushCaseStatusDeps {
  readonly store: CaseStore;
  readonly audit: Pick<AuditLog, 'append'>;
  /** The audit trail's identifier hashing (identity numbers never enter the audit in clear). */
  readonly hashIdentifier: (id: string) => string;
  /** The senders' registered signing certificates (see SigningCertificates). */
  readonly certificates: SigningCertificates;
  /** PRODUCER_CASE_CONSENT: `required` (a person's push needs active consent) or `off`. */
  readonly consent: 'required' | 'off';
  readonly now?: () => number;
}

/**
 * Registered signing certificates by path, read on first use and kept, so a push does not touch the
 * disk. `clear()` is called on every reload (SIGHUP, POST /admin/reload): a certificate replaced in
 * place is then read afresh and the old key's signatures are refused (see docs/signed-pushes.md).
 */
export class SigningCertificates {
  private readonly pems = new Map<string, string>();

  /** `certsDir`: relative signingCertificate paths in the consumer registry resolve against it. */
  constructor(private readonly certsDir: string) {}

  get(file: string): string {
    const full = path.resolve(this.certsDir, file);
    let pem = this.pems.get(full);
    if (pem === undefined) {
      pem = fs.readFileSync(full, 'utf8'); // a missing registered certificate is an operator error (RP009)
      this.pems.set(full, pem);
    }
    return pem;
  }

  clear(): void {
    this.pems.clear();
  }
}

type Evidence = { signatureXml: string; signedEnvelope: string } | undefined;

/** Both majors' PushCaseStatus: the version-2 request and answer (version 1's are a subset of them). */
function pushCaseStatusCore(deps: PushCaseStatusDeps): (request: PushCaseStatusType, ctx: RequestContext) => Promise<PushCaseStatusResponseType> {
  const now = deps.now ?? Date.now;

  function checkSignature(ctx: RequestContext): Evidence {
    const policy = ctx.consumer?.signaturePolicy ?? 'none';
    if (policy === 'none') return undefined;
    const file = ctx.consumer?.signingCertificate;
    if (!file) {
      if (policy === 'required') throw new CaseRefusal('ACCESS_DENIED', 'a signature is required but no signing certificate is registered for this sender');
      return undefined;
    }
    // Under `optional`, a request whose text cannot hold an XML-DSig element (no dsig namespace, and no
    // character reference that could spell one) skips the second, DOM-based parse: it is the hot path.
    if (policy === 'optional' && !ctx.requestXml.includes('xmldsig') && !ctx.requestXml.includes('&#')) return undefined;
    const check = verifyCaseStatusSignature(ctx.requestXml, deps.certificates.get(file));
    if (check.status === 'invalid') throw new CaseRefusal('ACCESS_DENIED', `signature rejected: ${check.reason}`);
    if (check.status === 'absent') {
      if (policy === 'required') throw new CaseRefusal('ACCESS_DENIED', 'this sender must sign caseStatus (XML-DSig), and the request carries no signature');
      return undefined;
    }
    return { signatureXml: check.signatureXml, signedEnvelope: ctx.requestXml };
  }

  return async (request, ctx) => {
    const cs = request.caseStatus;
    const sender = String(cs?.senderOrganisation?.organisationNumber ?? '').trim();
    const subjectId = cs?.subject?.personalIdentityNumber ?? cs?.subject?.coordinationNumber ?? cs?.subject?.organisationNumber;
    const criteria = (extra: Record<string, unknown> = {}) => ({
      senderOrganisation: sender,
      caseId: cs?.caseId,
      subjectHash: subjectId ? deps.hashIdentifier(subjectId.trim()) : null,
      consumerCategory: ctx.consumer?.category ?? null,
      viaRoutingNode: ctx.viaRoutingNode,
      ...extra,
    });

    let evidence: Evidence;
    let content;
    try {
      if (ctx.consumer?.category !== 'CASE_SYSTEM') {
        throw new CaseRefusal('ACCESS_DENIED', `consumer category ${ctx.consumer?.category ?? '(none)'} may not push case status`);
      }
      if (!(ctx.consumer.organisations ?? []).includes(sender)) {
        throw new CaseRefusal('ACCESS_DENIED', 'this consumer may not send case status for that senderOrganisation');
      }
      evidence = checkSignature(ctx);
      content = validateCaseStatus(cs, now());
    } catch (err) {
      if (!(err instanceof CaseRefusal)) throw err;
      await deps.audit.append(
        auditFromContext(ctx, { action: 'denied', outcome: err.errorCode, criteria: criteria(), recordCount: 0 }),
      );
      return { result: refusalResult(ctx.logId, err) };
    }

    const result: PushResult = await deps.store.push({
      content,
      notify: cs.notify !== false,
      consent: deps.consent,
      ...(evidence ? { evidence } : {}),
      // The store completes it with the outcome, revision, signed and notified.
      audit: auditFromContext(ctx, { action: 'write', criteria: criteria(), recordCount: 0 }),
    });

    const consentStatus = result.consentStatus ? { consentStatus: result.consentStatus } : {};
    switch (result.outcome) {
      case 'NO_CONSENT':
        return {
          ...consentStatus,
          result: { resultCode: 'INFO', logId: ctx.logId, message: 'not stored: the subject has not given active consent to the case hub' },
        };
      case 'CONFLICT':
        return {
          revision: result.revision,
          ...consentStatus,
          result: {
            resultCode: 'ERROR',
            errorCode: 'CONFLICT',
            logId: ctx.logId,
            message: 'a different version of this case with the same caseUpdated is already stored',
          },
        };
      case 'STALE':
        return {
          outcome: 'STALE',
          revision: result.revision,
          ...consentStatus,
          result: { resultCode: 'INFO', logId: ctx.logId, message: 'a newer update of this case is already stored; this one was not applied' },
        };
      default:
        return { outcome: result.outcome, revision: result.revision, ...consentStatus, result: { resultCode: 'OK', logId: ctx.logId } };
    }
  };
}

/** PushCaseStatus 2.0. */
export function createPushCaseStatusV2Handler(deps: PushCaseStatusDeps): PushCaseStatusV2ResponderInterface<RequestContext> {
  const core = pushCaseStatusCore(deps);
  return { PushCaseStatus: core };
}

/** PushCaseStatus 1.0 (deprecated): the same core; its answer has no consentStatus. */
export function createPushCaseStatusV1Handler(deps: PushCaseStatusDeps): PushCaseStatusV1ResponderInterface<RequestContext> {
  const core = pushCaseStatusCore(deps);
  return {
    async PushCaseStatus(request, ctx) {
      const { consentStatus: _v2only, ...answer } = await core(request, ctx);
      return answer;
    },
  };
}
