/**
 * XSD validation of the WHOLE envelope with libxml2 (libxml2-wasm), against a per-contract combined
 * schema: the SOAP 1.1 envelope XSD plus every schema of the contract, imported by a tiny in-memory
 * wrapper. The envelope XSD has lax wildcards in Header and Body, so the declared elements
 * (LogicalAddress, the request and response elements) are validated strictly. Compiled once at start-up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ParseOption, XmlDocument, XmlValidateError, XsdValidator, XmlError, type ErrorDetail } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';
import type { ContractDefinition } from '../../contracts/rivta.js';
import { findProjectRoot } from '../project-root.js';

/** Where the envelope schema lives, relative to the contract root. */
export const ENVELOPE_SCHEMA = 'schemas/soap/soap-envelope-1.1.xsd';

let providersRegistered = false;
function ensureProviders(): void {
  if (!providersRegistered) {
    xmlRegisterFsInputProviders();
    providersRegistered = true;
  }
}

/** Document parse options: no network, no external entities, no DTD loading. */
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

/**
 * Why a document failed, in our words: the element (and attribute) and the rule broken, never the
 * rejected value. libxml2 quotes values in its messages ("'x' is not a valid value of ..."), and a value
 * may be an identity number, so its text never leaves this file (README, Faults).
 */
export interface ValidationFailure {
  readonly message: string;
  /** XPath of the offending element when libxml2 reports it, else `line L, column C`. */
  readonly path: string | undefined;
}

class SchemaCompileError extends Error {}

export class EnvelopeValidator {
  private constructor(
    private readonly validator: XsdValidator,
    readonly contractName: string,
  ) {}

  /**
   * Compiles the combined schema of a contract. `contractRoot` holds wsdl/ and schemas/;
   * `envelopeSchema` is an absolute path or one relative to the contract root.
   */
  static compile(contract: ContractDefinition, contractRoot: string, envelopeSchema: string = ENVELOPE_SCHEMA): EnvelopeValidator {
    ensureProviders();
    const envelopeFile = path.resolve(contractRoot, envelopeSchema);
    const imports = new Map<string, string>(); // namespace → file (first wins; libxml2 ignores re-imports anyway)
    imports.set(targetNamespaceOf(envelopeFile), envelopeFile);
    for (const rel of contract.schemaFiles) {
      const file = path.resolve(contractRoot, rel);
      const ns = targetNamespaceOf(file);
      if (!imports.has(ns)) imports.set(ns, file);
    }
    const wrapper =
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:riv-producer:validation-wrapper">` +
      [...imports]
        .map(([ns, file]) => `<xs:import namespace="${ns}" schemaLocation="${pathToFileURL(file).href}"/>`)
        .join('') +
      `</xs:schema>`;
    let doc: XmlDocument | undefined;
    try {
      doc = XmlDocument.fromString(wrapper, { url: pathToFileURL(path.join(contractRoot, '__wrapper.xsd')).href });
      return new EnvelopeValidator(XsdValidator.fromDoc(doc), contract.name);
    } catch (err) {
      throw new SchemaCompileError(`${contract.name}: cannot compile the schemas: ${describe(err)}`);
    } finally {
      doc?.dispose();
    }
  }

  /** Validates an envelope; undefined when valid. */
  validate(xml: string | Uint8Array): ValidationFailure | undefined {
    let doc: XmlDocument;
    try {
      doc = typeof xml === 'string' ? XmlDocument.fromString(xml, { option: PARSE_OPTIONS }) : XmlDocument.fromBuffer(xml, { option: PARSE_OPTIONS });
    } catch (err) {
      const d = err instanceof XmlError && 'details' in err ? (err as { details?: ErrorDetail[] }).details?.[0] : undefined;
      return { message: 'not well-formed', path: d ? `line ${d.line}, column ${d.col}` : undefined };
    }
    try {
      this.validator.validate(doc);
      return undefined;
    } catch (err) {
      if (err instanceof XmlValidateError && err.details.length > 0) {
        const d = err.details[0]!;
        return { message: describeViolation(d.message), path: d.xpath ?? `line ${d.line}, column ${d.col}` };
      }
      return { message: 'does not conform to the schema', path: undefined };
    } finally {
      doc.dispose();
    }
  }

  dispose(): void {
    this.validator.dispose();
  }
}

/** libxml2's schema messages by the rule they report, as fixed text; the first match wins. */
const RULES: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray) => string]> = [
  [/\[facet '(\w{1,40})'\]/, (m) => `the value breaks the ${m[1]} facet`],
  [/is not a valid value of the (?:local )?(atomic|list|union) type(?: '([\w.:{}/#-]{1,200})')?/, (m) => `not a valid value of the ${m[1]} type${m[2] ? ` ${m[2]}` : ''}`],
  [/This element is not expected/, () => 'this element is not expected here'],
  [/Missing child element/, () => 'a required child element is missing'],
  [/The attribute .* is required but missing/s, () => 'a required attribute is missing'],
  [/The attribute .* is not allowed/s, () => 'this attribute is not allowed'],
  [/Character content other than whitespace is not allowed/, () => 'text is not allowed in element-only content'],
  [/Element content is not allowed/, () => 'child elements are not allowed in simple content'],
  [/xsi:type|does not resolve to a type definition|has no corresponding namespace declaration/, () => 'xsi:type does not name a usable type'],
  [/nillable|xsi:nil/i, () => 'xsi:nil is not allowed here'],
  [/No matching global (?:element )?declaration/, () => 'no declaration for this element'],
];

/** `Element '{ns}local'[, attribute 'a']: <text>` → the element, the attribute and the rule; the text itself is dropped. */
export function describeViolation(message: string): string {
  const m = /^Element '([^']{1,500})'(?:, attribute '([^']{1,500})')?: (.*)$/s.exec(message.trim());
  const text = m ? m[3]! : message;
  let rule = 'does not conform to the schema';
  for (const [re, say] of RULES) {
    const hit = re.exec(text);
    if (hit) {
      rule = say(hit);
      break;
    }
  }
  if (!m) return rule;
  return `element ${clip(m[1]!)}${m[2] ? `, attribute ${clip(m[2])}` : ''}: ${rule}`;
}

/** Names are the caller's too; a long one is cut. */
function clip(name: string): string {
  return name.length > 200 ? `${name.slice(0, 200)}…` : name;
}

function describe(err: unknown): string {
  if (err instanceof XmlError && 'details' in err) {
    const details = (err as { details?: Array<{ message: string; file?: string; line: number }> }).details;
    if (details && details.length > 0) {
      return details
        .slice(0, 3)
        .map((d) => `${d.file ? `${path.basename(d.file)}:${d.line}: ` : ''}${d.message.trim()}`)
        .join('; ');
    }
  }
  return err instanceof Error ? err.message : String(err);
}

const TNS_RE = /targetNamespace\s*=\s*(["'])([^"']*)\1/;

function targetNamespaceOf(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SchemaCompileError(`cannot read schema ${file}: ${(err as Error).message}`);
  }
  // the targetNamespace of the xs:schema start tag (skip comments / declarations before it)
  const start = text.search(/<([A-Za-z_][\w.-]*:)?schema[\s>]/);
  const tagEnd = start >= 0 ? text.indexOf('>', start) : -1;
  const m = start >= 0 ? TNS_RE.exec(text.slice(start, tagEnd)) : null;
  return m ? m[2]! : '';
}

const validators = new WeakMap<ContractDefinition, EnvelopeValidator>();

/**
 * Validates a response (or any) envelope against a contract's combined schema; for tests.
 * Compiles (and caches) the validator on first use. `contractRoot` defaults to the project root.
 */
export function validateResponse(contract: ContractDefinition, xml: string, contractRoot?: string): ValidationFailure | undefined {
  let v = validators.get(contract);
  if (!v) {
    v = EnvelopeValidator.compile(contract, contractRoot ?? findProjectRoot());
    validators.set(contract, v);
  }
  return v.validate(xml);
}

