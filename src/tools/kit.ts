/**
 * Shared by the integration tester's kit (`npm run soapui`, `npm run call`): finding an operation and
 * its sample request, choosing the development role a caller should use, editing a sample's
 * LogicalAddress in place, and pretty-printing XML for a terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { allContracts } from '../../contracts/index.js';
import type { ContractDefinition, OperationMeta } from '../../contracts/rivta.js';
import { DEV_ROLES, type DevRoleName } from '../../certs/dev-pki.js';
import type { Config } from '../config.js';
import { resolveAccessProfiles } from '../licensetopractice/access-profiles.js';
import { Tak } from '../security/tak.js';
import { LOGICAL_ADDRESS_QNAME } from '../transport/handle-request.js';
import { endpointPath } from '../soap/service.js';
import { ANSWER_XML_LIMITS } from '../soap/consumer.js';
import { parseXml, type XmlElement } from '../soap/xml.js';
import { readEnvelope } from '../soap/envelope.js';
import { escapeText } from '../soap/escape.js';

export interface OperationRef {
  readonly contract: ContractDefinition;
  readonly op: OperationMeta;
}

/** Every operation of every compiled contract, in contract order. */
export function allOperations(): OperationRef[] {
  return allContracts.flatMap((contract) => contract.operations.map((op) => ({ contract, op })));
}

/**
 * Finds an operation by name, case-insensitively, in the given major version of its interaction, or
 * else in the lowest (version 1 where there are several); the error lists what there is.
 */
export function findOperation(name: string, major?: number): OperationRef {
  const all = allOperations();
  const named = all.filter((r) => r.op.name.toLowerCase() === name.toLowerCase());
  if (named.length === 0) throw new Error(`unknown operation ${name}; one of: ${[...new Set(all.map((r) => r.op.name))].join(', ')}`);
  if (major === undefined) return named.reduce((a, b) => (b.contract.major < a.contract.major ? b : a));
  const hit = named.find((r) => r.contract.major === major);
  if (!hit) throw new Error(`${named[0]!.op.name} has no major version ${major}; it has ${named.map((r) => r.contract.major).join(', ')}`);
  return hit;
}

/**
 * A sample envelope of an operation, relative to the contract root:
 * `schemas/interactions/<Contract>Interaction/samples/<Op><Kind>.xml` for major version 1, and for a later
 * major `<Op><Kind>_<major>.<minor>.xml` beside it, versioned like its WSDL (docs/caseoverview-contracts.md).
 */
export function samplePath(contract: ContractDefinition, op: OperationMeta, kind: 'Request' | 'Response'): string {
  const version = contract.major === 1 ? '' : `_${contract.major}.${contract.minor}`;
  return `schemas/interactions/${contract.name}Interaction/samples/${op.name}${kind}${version}.xml`;
}

export function sampleRequestPath(ref: OperationRef): string {
  return samplePath(ref.contract, ref.op, 'Request');
}

export function readSampleRequest(ref: OperationRef, root: string): string {
  return fs.readFileSync(path.join(root, sampleRequestPath(ref)), 'utf8');
}

/** Base URL the tools talk to: PRODUCER_PUBLIC_URL, else https://localhost:<PRODUCER_PORT>. */
export function baseUrl(config: Pick<Config, 'publicUrl' | 'port'>): string {
  return config.publicUrl ?? `https://localhost:${config.port}`;
}

export function endpointUrl(config: Pick<Config, 'publicUrl' | 'port'>, contract: ContractDefinition): string {
  return baseUrl(config) + endpointPath(contract);
}

/**
 * The development role to call an operation as: of the PKI roles the configured TAK authorises for
 * the contract at `logicalAddress`, the one that sees the most of the answer. Only SearchPersonnel
 * shows callers different fields (its access profiles, docs/design.md#access-profiles), so there the category with the
 * largest profile wins (supervisor); everywhere else the first authorised role in the PKI table
 * (journal-system for FMB, case-system for PushCaseStatus, case-view for GetCaseOverview).
 * Undefined when no development role is in TAK for it (a production TAK): pass --role then.
 */
export function defaultRole(config: Config, contract: ContractDefinition, logicalAddress: string): DevRoleName | undefined {
  const tak = new Tak(config);
  const profiles = contract.name === 'SearchPersonnel' ? resolveAccessProfiles(config.personnelAccessProfiles) : undefined;
  const visible = (hsaId: string): number => {
    const category = config.consumers[hsaId]?.category;
    return profiles && category ? (profiles[category]?.size ?? 0) : 0;
  };
  let best: { role: DevRoleName; score: number } | undefined;
  for (const [role, { hsaId }] of Object.entries(DEV_ROLES) as Array<[DevRoleName, { hsaId: string }]>) {
    if (!tak.isAuthorised(hsaId, contract.namespace, logicalAddress)) continue;
    const score = visible(hsaId);
    if (!best || score > best.score) best = { role, score };
  }
  return best?.role;
}


function logicalAddressElement(xml: string): { source: string; element: XmlElement | undefined } {
  const parsed = parseXml(xml, ANSWER_XML_LIMITS);
  const envelope = readEnvelope(parsed.root);
  const element = envelope.headers.find((h) => `{${h.ns}}${h.name}` === LOGICAL_ADDRESS_QNAME);
  return { source: parsed.source, element };
}

/**
 * The envelope with the text of its LogicalAddress header replaced, everything else (layout,
 * comments, prefixes) untouched, so a sample stays readable. Throws when the header is absent.
 */
export function withLogicalAddress(xml: string, logicalAddress: string): string {
  const { source, element } = logicalAddressElement(xml);
  if (!element) throw new Error('the envelope has no LogicalAddress header');
  const contentStart = source.indexOf('>', element.start) + 1;
  const contentEnd = source.lastIndexOf('</', element.end);
  return source.slice(0, contentStart) + escapeText(logicalAddress) + source.slice(contentEnd);
}

/** The envelope without its LogicalAddress header (and the whitespace line it stood on). */
export function withoutLogicalAddress(xml: string): string {
  const { source, element } = logicalAddressElement(xml);
  if (!element) return source;
  const lineStart = source.lastIndexOf('\n', element.start);
  const from = /^\s*$/.test(source.slice(lineStart + 1, element.start)) ? lineStart : element.start;
  return source.slice(0, from) + source.slice(element.end);
}

/**
 * The envelope with an element the schema does not allow inserted as the first child of the body
 * element: an unknown element in the responder's own namespace matches neither a declared particle
 * nor the `##other` wildcard every RIVTA type ends with, so XSD validation must fail (RP006).
 */
export function withSchemaViolation(xml: string): string {
  const parsed = parseXml(xml, ANSWER_XML_LIMITS);
  const body = readEnvelope(parsed.root).body;
  const source = parsed.source;
  const at = source.indexOf('>', body.start) + 1;
  const tag = body.prefix ? `${body.prefix}:notInTheSchema` : 'notInTheSchema';
  return `${source.slice(0, at)}<${tag}>this element is not in the schema</${tag}>${source.slice(at)}`;
}

const TOKEN_RE = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/[^>]*>|<[^>]*>|[^<]+/g;

/**
 * Indents well-formed XML two spaces a level; an element holding only text stays on one line.
 * Text is trimmed (SOAP answers carry no mixed content). For reading in a terminal, not for parsing.
 */
export function prettyXml(xml: string): string {
  const tokens = xml.match(TOKEN_RE) ?? [];
  const lines: string[] = [];
  let depth = 0;
  const pad = () => '  '.repeat(depth);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('<')) {
      const text = t.trim();
      if (text) lines.push(pad() + text);
    } else if (t.startsWith('</')) {
      depth = Math.max(0, depth - 1);
      lines.push(pad() + t);
    } else if (t.startsWith('<?') || t.startsWith('<!') || t.endsWith('/>')) {
      lines.push(pad() + t);
    } else {
      // <a>text</a> and <a></a> stay on one line
      const next = tokens[i + 1];
      const after = tokens[i + 2];
      if (next?.startsWith('</')) {
        lines.push(pad() + t + next);
        i += 1;
      } else if (next !== undefined && !next.startsWith('<') && after?.startsWith('</')) {
        lines.push(pad() + t + next.trim() + after);
        i += 2;
      } else {
        lines.push(pad() + t);
        depth++;
      }
    }
  }
  return lines.join('\n');
}
