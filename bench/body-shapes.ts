/**
 * The hostile body shapes at the default limits (1 MiB, 20,000 elements, the namespace-declaration caps),
 * each padded to the size of a plain body (one element holding that much text) so their costs compare,
 * and the runtime's steps for one body (parse, envelope, validate, decode) to time them in this process.
 * Used by bench/drill-bodies.ts (the drill), test/soap-linear-cost.test.ts and test/hostile-default-limits.test.ts.
 */
import { getDiagnosisContract } from '../contracts/index.js';
import { CONTRACT_NAMESPACES } from '../src/config.js';
import { findProjectRoot } from '../src/project-root.js';
import { ContractCodec } from '../src/soap/codec.js';
import { readEnvelope } from '../src/soap/envelope.js';
import { SoapFault } from '../src/soap/fault.js';
import { EnvelopeValidator } from '../src/soap/validator.js';
import { parseXml, XmlInputError, type XmlLimits } from '../src/soap/xml.js';

/** The default limits of src/config.ts that shape the bodies. */
export interface ShapeLimits extends XmlLimits {
  readonly maxBodyBytes: number;
}

export const DEFAULT_SHAPE_LIMITS: ShapeLimits = {
  maxBodyBytes: 1024 * 1024,
  maxDepth: 64,
  maxElements: 20_000,
  maxAttributeBytes: 8192,
  maxNsPerElement: 32,
  maxNsPerDocument: 256,
};

export interface BodyShape {
  readonly name: string;
  readonly note: string;
  readonly body: string;
  /** What the producer answers: 'ok' (a normal response, any resultCode) or the fault code. */
  readonly expect: 'ok' | 'RP002' | 'RP006';
}

export const SHAPE_OPERATION = {
  path: '/processmanagement/decisionsupport/insurancemedicine/GetDiagnosis/1/rivtabp21',
  soapAction: `${CONTRACT_NAMESPACES.GetDiagnosis}:GetDiagnosis`,
  role: 'journal-system',
} as const;

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
const CORE = 'urn:riv:processmanagement:decisionsupport:insurancemedicine:1';
/** Namespace of padding and wildcard elements: "##other" to every contract namespace, so xs:any takes it. */
const PAD = 'urn:drill:pad';

function envelope(parts: { rootNs?: string; headers?: string; body: string }): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP}" xmlns:itr="urn:riv:itintegration:registry:1" ` +
    `xmlns:tjsr="${CONTRACT_NAMESPACES.GetDiagnosis}" xmlns:core="${CORE}" xmlns:x="${PAD}"${parts.rootNs ?? ''}>` +
    `<soapenv:Header><itr:LogicalAddress>TEST-PRODUCER</itr:LogicalAddress>${parts.headers ?? ''}</soapenv:Header>` +
    `<soapenv:Body><tjsr:GetDiagnosis>${parts.body}</tjsr:GetDiagnosis></soapenv:Body></soapenv:Envelope>`
  );
}

/** Elements the envelope itself uses (Envelope, Header, LogicalAddress, Body, GetDiagnosis), and its declarations. */
const ENVELOPE_ELEMENTS = 5;
const ENVELOPE_NS = 5;

/**
 * Repeats `unit(i)` while the whole body stays within `target` bytes and `budget` markup items (elements,
 * attributes, references, comments, CDATA sections: what the parser counts against maxElements), then
 * fills the rest of the bytes with one text-only padding element, so every shape has about the size of
 * the plain one.
 */
function fill(target: number, budget: number, unitItems: number, unit: (i: number) => string, wrap: (inner: string) => string): string {
  const pad = (n: number) => (n > 0 ? `<x:pad>${'p'.repeat(n)}</x:pad>` : '');
  const parts: string[] = [];
  let size = Buffer.byteLength(wrap('')) + Buffer.byteLength(pad(1));
  let items = 0;
  for (let i = 0; unitItems > 0; i++) {
    const u = unit(i);
    const len = Buffer.byteLength(u);
    if (size + len > target || items + unitItems > budget) break;
    parts.push(u);
    size += len;
    items += unitItems;
  }
  const inner = parts.join('');
  return wrap(inner + pad(target - Buffer.byteLength(wrap(inner)) - Buffer.byteLength(pad(0))));
}

/** `n` distinct attributes, about 10 bytes each (a repeated name would be malformed). */
function attributes(n: number): string {
  return Array.from({ length: n }, (_, i) => ` a${i.toString(36)}=""`).join('');
}

/**
 * Every shape at the given limits, all of (nearly) the same size: `target` bytes, a little under the body limit.
 * The first is the plain body the others are compared with. Shapes expected 'ok' use the limits to the full;
 * the others go one past a cap.
 */
export function bodyShapes(limits: ShapeLimits = DEFAULT_SHAPE_LIMITS): BodyShape[] {
  const target = limits.maxBodyBytes - 1024;
  const budget = limits.maxElements - ENVELOPE_ELEMENTS - 1; // one padding element
  const inBody = (inner: string) => envelope({ body: inner });
  const shapes: BodyShape[] = [];
  const add = (name: string, expect: BodyShape['expect'], note: string, body: string) => shapes.push({ name, note, body, expect });
  const one = (inner: string) => (i: number) => (i === 0 ? inner : '');

  add('plain', 'ok', 'one wildcard element holding ~1 MiB of text', fill(target, budget, 0, () => '', inBody));

  // ---- namespace declarations
  const decls = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ` xmlns:n${from + i}="urn:drill:ns:${from + i}"`).join('');
  const perElement = limits.maxNsPerElement;
  const perDocument = limits.maxNsPerDocument;
  // at the caps: the most declarations on the root, the rest of the document's allowance one per child,
  // then as many children using the root's prefixes as the budget allows
  const rootDecls = perElement - ENVELOPE_NS;
  const childDecls = perDocument - perElement;
  const withRootDecls = (inner: string) => envelope({ rootNs: decls(rootDecls), body: inner });
  add(
    'ns-at-caps',
    'ok',
    `${perElement} declarations on the root, ${childDecls} children declaring one each, then elements using them`,
    fill(target, budget, 1, (i) => (i < childDecls ? `<x:e xmlns:m${i}="urn:drill:m:${i}"/>` : `<n${i % rootDecls}:e/>`), withRootDecls),
  );
  add(
    'ns-root-times-children',
    'RP002',
    `${perDocument} declarations on the root and every child declaring one more: the multiplied shape, over both caps`,
    fill(target, budget, 1, (i) => `<x:e xmlns:c${i}="urn:drill:c"/>`, (inner) => envelope({ rootNs: decls(perDocument), body: inner })),
  );
  add('ns-per-element-over', 'RP002', `${perElement + 1} declarations on one element`, fill(target, budget, 1, one(`<x:e${decls(perElement + 1)}/>`), inBody));
  add(
    'ns-per-document-over',
    'RP002',
    `${perDocument + 1} declarations in the document, one per element`,
    fill(target, budget, 1, (i) => (i <= perDocument ? `<x:e xmlns:d="urn:drill:d:${i}"/>` : `<x:e/>`), inBody),
  );
  add('ns-default-redeclared', 'RP002', 'every element redeclares the default namespace (over the document cap)', fill(target, budget, 1, () => `<e xmlns="${PAD}"/>`, inBody));

  // ---- attributes, references, text, names
  add('attributes-one-element', 'ok', 'one wildcard element with attributes up to the budget', fill(target, budget, 1, one(`<x:a${attributes(budget - 1)}/>`), inBody));
  add('attributes-over-budget', 'RP002', 'one element with attributes filling the body, past the budget', inBody(`<x:a${attributes(Math.floor(target / 10) - 100)}/>`));
  add('attributes-spread', 'ok', 'elements with four attributes each, up to the budget', fill(target, budget, 5, () => `<x:a${attributes(4)}/>`, inBody));
  {
    const n = Math.floor(limits.maxAttributeBytes / 2);
    add('long-attributes', 'ok', `attribute values of ${n} bytes`, fill(target, budget, 2, () => `<x:a v="${'v'.repeat(n)}"/>`, inBody));
  }
  add('references', 'ok', 'character and entity references up to the budget, in one element', fill(target, budget, budget, one(`<x:t>${'&#x41;&amp;'.repeat((budget - 2) / 2)}</x:t>`), inBody));
  add('references-over-budget', 'RP002', 'character references filling the body, past the budget', inBody(`<x:t>${'&#x41;'.repeat(Math.floor(target / 6) - 100)}</x:t>`));
  add('comments-over-budget', 'RP002', 'comments filling the body, past the budget', inBody(`<x:t>${'<!---->'.repeat(Math.floor(target / 7) - 100)}</x:t>`));
  {
    const wrap = (n: number) => inBody(`<tjsr:diagnosisCode><core:code>${'F'.repeat(n)}</core:code></tjsr:diagnosisCode>`);
    add('long-text-typed', 'RP006', 'one schema-typed element (a diagnosis code, with a length facet) holding ~1 MiB of text', wrap(target - Buffer.byteLength(wrap(0))));
  }
  add('long-name', 'RP006', 'one element with a 64 KiB name (beyond libxml2’s name limit)', fill(target, budget, 1, one(`<x:${'n'.repeat(65536)}/>`), inBody));

  // ---- trees
  const depth = limits.maxDepth - ENVELOPE_ELEMENTS;
  add('deep', 'ok', `chains ${depth} deep, side by side`, fill(target, budget, depth, () => '<x:d>'.repeat(depth) + '</x:d>'.repeat(depth), inBody));
  add('wide', 'ok', 'empty wildcard siblings up to the budget', fill(target, budget, 1, () => '<x:w/>', inBody));
  add('wide-nested', 'ok', 'one wildcard element holding all the others', fill(target, budget - 1, 1, () => '<x:w/>', (inner) => inBody(`<x:outer>${inner}</x:outer>`)));
  add('mixed-content', 'ok', 'text and elements interleaved', fill(target, budget - 1, 1, () => 'text<x:m/>', (inner) => inBody(`<x:outer>${inner}</x:outer>`)));
  add('comments', 'ok', 'comments between elements', fill(target, budget, 2, () => `<!-- ${'c'.repeat(40)} --><x:c/>`, inBody));
  add('cdata', 'ok', 'CDATA sections in elements', fill(target, budget, 2, () => `<x:c><![CDATA[${'c'.repeat(40)}]]></x:c>`, inBody));
  add('whitespace', 'ok', 'indentation-like whitespace between elements', fill(target, budget, 1, () => `\n${' '.repeat(48)}<x:s/>`, inBody));

  // ---- the contract's own structures
  add(
    'many-criteria',
    'ok',
    'repeated diagnosis codes up to the budget (the handler caps them; this is the cost before it)',
    fill(target, budget, 2, (i) => `<tjsr:diagnosisCode><core:code>F${i % 100}</core:code></tjsr:diagnosisCode>`, inBody),
  );
  add('many-wildcards', 'ok', 'xs:any elements up to the budget, in the namespaces declared on the root', fill(target, budget, 1, (i) => `<n${i % rootDecls}:w/>`, withRootDecls));
  add(
    'many-wildcards-nested',
    'ok',
    'xs:any elements whose children use the prefixes in scope (each fragment gets its declarations)',
    fill(target, budget, 3, (i) => `<x:w><n${i % rootDecls}:a/><n${(i + 7) % rootDecls}:b/></x:w>`, withRootDecls),
  );
  add(
    'wildcard-prefix-tokens',
    'ok',
    'one xs:any fragment whose text holds 40,000 distinct prefix-like tokens',
    fill(
      target,
      budget,
      0,
      () => '',
      (inner) => withRootDecls(`<x:w>${Array.from({ length: 40_000 }, (_, i) => `t${i}:v `).join('')}${inner}</x:w>`),
    ),
  );
  add('many-headers', 'ok', 'header elements up to the budget', fill(target, budget, 1, () => `<x:h/>`, (inner) => envelope({ headers: inner, body: '' })));
  return shapes;
}

// ---------------------------------------------------------------------------------------- in process

export interface InProcessRow {
  readonly shape: string;
  readonly bytes: number;
  /** Fastest of the runs, parse + validate + decode, in ms. */
  readonly ms: number;
  readonly ratio: number;
  /** What the pipeline concluded: 'ok' or the fault code. */
  readonly outcome: string;
}

/** The runtime's steps for one body (src/transport/handle-request.ts without transport and TAK): parse, envelope, validate, decode. */
function makePipeline(limits: XmlLimits = DEFAULT_SHAPE_LIMITS): (body: Buffer) => string {
  const validator = EnvelopeValidator.compile(getDiagnosisContract, findProjectRoot());
  const codec = new ContractCodec(getDiagnosisContract);
  codec.warm();
  const op = getDiagnosisContract.operations[0]!;
  const headerParts = new Map(op.headers.map((h) => [h.element, h]));
  return (body) => {
    try {
      const parsed = parseXml(body.toString('utf8'), limits);
      const env = readEnvelope(parsed.root);
      if (validator.validate(body)) return 'RP006';
      codec.decode(env.body, op.request.type, parsed.source);
      for (const h of env.headers) {
        const part = headerParts.get(`{${h.ns}}${h.name}`);
        if (part) codec.decode(h, part.type, parsed.source);
      }
      return 'ok';
    } catch (err) {
      if (err instanceof XmlInputError || err instanceof SoapFault) return err.code;
      throw err;
    }
  };
}

/**
 * The fastest of `runs` timings of the pipeline per shape, the shapes taken in turn so that a slow spell
 * of the machine touches them alike; `gc` (when given) runs before each timing, so that a shape does not
 * pay for the garbage of the one before. `ratio` divides by the plain shape's time.
 */
export function measureInProcess(
  shapes: readonly BodyShape[] = bodyShapes(),
  options: { runs?: number; limits?: XmlLimits; gc?: () => void } = {},
): InProcessRow[] {
  const run = makePipeline(options.limits);
  const timed = shapes.map((s) => ({ shape: s.name, body: Buffer.from(s.body), ms: Infinity, outcome: '' }));
  for (let i = 0; i < (options.runs ?? 5); i++) {
    for (const t of timed) {
      options.gc?.();
      const t0 = performance.now();
      t.outcome = run(t.body);
      t.ms = Math.min(t.ms, performance.now() - t0);
    }
  }
  const plain = timed.find((r) => r.shape === 'plain')!.ms;
  return timed.map((t) => ({ shape: t.shape, bytes: t.body.length, ms: t.ms, ratio: t.ms / plain, outcome: t.outcome }));
}
