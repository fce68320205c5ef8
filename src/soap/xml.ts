/**
 * Namespace-aware XML parsing into a light element tree (saxes), with the hostile-input limits
 * enforced *while* parsing: depth, element and attribute counts, attribute value size, namespace
 * declarations per element and per document; any DOCTYPE (and so any entity declaration: XXE, billion
 * laughs) and any processing instruction other than the XML declaration is refused. Errors carry the
 * RP fault code they map to, and a message that names the rule and the position, never input text.
 *
 * Cost is linear in the input whatever its shape (README, Faults): saxes runs without its own
 * namespace handling (which allocates a table per element and resolves every prefix by walking the
 * whole element stack); we resolve prefixes here against a chain of the declaring elements' tables,
 * shared by every element below them and never copied, with each lookup cached on the scope.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';

export interface XmlElement {
  /** Local name. */
  readonly name: string;
  /** Namespace URI; '' for no namespace. */
  readonly ns: string;
  /** Prefix as written ('' for none). */
  readonly prefix: string;
  /** Attributes keyed by Clark name (`{ns}local`, or `local` when unqualified); xmlns declarations excluded. */
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element (CDATA included). */
  text: string;
  /** Source offsets (string indices) of the start tag's '<' and one past the end tag's '>'. */
  readonly start: number;
  end: number;
  /** The namespace declarations in scope (see lookupNamespace); shared with the ancestor that made them. */
  readonly nsScope: NsScope;
}

/**
 * One element's namespace declarations, linked to the declarations in scope around it. Elements that
 * declare nothing share their parent's scope, so the chain only holds declaring elements.
 */
export interface NsScope {
  /** prefix ('' for the default namespace) → URI ('' when the default namespace is undeclared). */
  readonly declared: ReadonlyMap<string, string>;
  readonly parent: NsScope | undefined;
  /** Start offset of the element that made these declarations (-1 for the predefined scope). */
  readonly owner: number;
  /** Lookups answered from further up the chain, so each is walked once per scope. */
  readonly cache: Map<string, string | null>;
}

export interface XmlLimits {
  readonly maxDepth: number;
  /**
   * Elements in the document. Attributes, character and entity references, comments and CDATA sections
   * count against the same budget: each costs about what an element does (README, Faults).
   */
  readonly maxElements: number;
  readonly maxAttributeBytes: number;
  readonly maxNsPerElement: number;
  readonly maxNsPerDocument: number;
}

export type XmlErrorCode = 'RP001' | 'RP002';

/** A refused document: `code` is RP001 (malformed, DTD, PI) or RP002 (a limit was exceeded). */
export class XmlInputError extends Error {
  constructor(
    readonly code: XmlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'XmlInputError';
  }
}

export interface ParsedXml {
  readonly root: XmlElement;
  /** Encoding named in the XML declaration, if any. */
  readonly encoding: string | undefined;
  /** The parsed text (input without a leading BOM); element offsets index into it. */
  readonly source: string;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Shared by every element without attributes; nothing writes to an element's attributes. */
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

const PREDEFINED: NsScope = { declared: new Map([['xml', XML_NS]]), parent: undefined, owner: -1, cache: new Map() };

/** The URI bound to `prefix` ('' = the default namespace) in `scope`, or undefined when unbound. */
export function lookupNamespace(scope: NsScope, prefix: string): string | undefined {
  const own = scope.declared.get(prefix);
  if (own !== undefined) return own;
  // the predefined scope is shared by every document, so it caches nothing
  if (!scope.parent) return undefined;
  const cached = scope.cache.get(prefix);
  if (cached !== undefined) return cached ?? undefined;
  const found = lookupNamespace(scope.parent, prefix);
  scope.cache.set(prefix, found ?? null);
  return found;
}

/** Parses a whole document held in memory (a leading BOM is dropped; offsets refer to `source` without it). Throws XmlInputError. */
export function parseXml(input: string, limits: XmlLimits): ParsedXml {
  const source = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // saxes would silently drop a second BOM too; only one may start a document
  if (source.charCodeAt(0) === 0xfeff) throw new XmlInputError('RP001', 'Malformed XML: more than one byte order mark');
  // saxes gets markedly slower with every optional handler attached, so the common case runs with
  // opentag/closetag/text/xmldecl/attribute only: a DOCTYPE is detected at the root start tag (saxes
  // records it), parse errors throw, and the rare documents that contain `<?` after the declaration or
  // a CDATA section take the full path with those handlers too.
  const full = source.indexOf('<?', 1) >= 0 || source.indexOf('<![CDATA[') >= 0;
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let nodes = 0;
  let nsDeclarations = 0;
  let encoding: string | undefined;
  let version = '1.0';
  let failure: XmlInputError | undefined;
  const fail = (e: XmlInputError): never => {
    failure = e;
    throw e;
  };
  const at = () => `line ${parser.line}, column ${parser.column}`;
  const malformed = (rule: string) => fail(new XmlInputError('RP001', `Malformed XML at ${at()}: ${rule}`));
  const tooMany = () => fail(new XmlInputError('RP002', `More than ${limits.maxElements} elements, attributes, references, comments and CDATA sections`));
  // references, comments and CDATA sections cost each parser about what an element does, and nothing
  // else bounds their number, so they share the element budget; counted up front, where it is cheapest
  nodes = occurrences(source, '&') + occurrences(source, '<!');
  if (nodes > limits.maxElements) tooMany();

  parser.on('xmldecl', (decl) => {
    encoding = decl.encoding;
    if (decl.version) version = decl.version;
  });
  if (full) {
    parser.on('processinginstruction', () => fail(new XmlInputError('RP001', `Processing instructions are not allowed (${at()})`)));
    parser.on('cdata', (t) => {
      const top = stack[stack.length - 1];
      if (top) top.text += t;
    });
  }
  // counted as they are read, so a start tag with a million attributes or declarations stops at its cap
  let attrsOnTag = 0;
  let nsOnTag = 0;
  parser.on('attribute', (a) => {
    attrsOnTag++;
    // fast path on UTF-16 length: a value of n code units takes at most 3n UTF-8 bytes
    if (a.value.length * 3 > limits.maxAttributeBytes && Buffer.byteLength(a.value) > limits.maxAttributeBytes) {
      fail(new XmlInputError('RP002', `Attribute value longer than ${limits.maxAttributeBytes} bytes`));
    }
    if (declaredPrefix(a.name) === undefined) {
      if (++nodes > limits.maxElements) tooMany();
      return;
    }
    if (++nsDeclarations > limits.maxNsPerDocument) {
      fail(new XmlInputError('RP002', `More than ${limits.maxNsPerDocument} namespace declarations in the document`));
    }
    if (++nsOnTag > limits.maxNsPerElement) {
      fail(new XmlInputError('RP002', `More than ${limits.maxNsPerElement} namespace declarations on one element`));
    }
  });
  const doctype = () => fail(new XmlInputError('RP001', 'DTDs and entity declarations are not allowed'));
  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (!root && (parser as unknown as { doctype: boolean }).doctype) doctype();
    if (++nodes > limits.maxElements) tooMany();
    if (stack.length >= limits.maxDepth) fail(new XmlInputError('RP002', `Nesting deeper than ${limits.maxDepth} levels`));
    const plain = attrsOnTag - nsOnTag;
    const declaring = nsOnTag > 0;
    attrsOnTag = nsOnTag = 0;
    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const pos = parser.position;
    const start = source.lastIndexOf('<', pos - 1);
    const raw = tag.attributes;

    // ---- namespace declarations first: they apply to this element's own name and attributes
    let nsScope = parent ? parent.nsScope : PREDEFINED;
    if (declaring) {
      const declared = new Map<string, string>();
      for (const name in raw) {
        const prefix = declaredPrefix(name);
        if (prefix !== undefined) declared.set(prefix, checkDeclaration(prefix, raw[name]!.trim(), version, malformed));
      }
      nsScope = { declared, parent: nsScope, owner: start, cache: new Map() };
    }

    // ---- the element's name, then its attributes, resolved in that scope
    const name = tag.name;
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : qualifiedPrefix(name, colon, malformed);
    const local = colon < 0 ? name : name.slice(colon + 1);
    if (prefix === 'xmlns') malformed('an element may not have the prefix xmlns');
    const ns = lookupNamespace(nsScope, prefix) ?? '';
    if (prefix !== '' && ns === '') malformed('unbound namespace prefix');
    let attributes = NO_ATTRIBUTES;
    if (plain > 0) {
      attributes = {};
      for (const name in raw) {
        if (declaredPrefix(name) !== undefined) continue;
        const colon = name.indexOf(':');
        let key = name;
        if (colon >= 0) {
          const uri = lookupNamespace(nsScope, qualifiedPrefix(name, colon, malformed));
          if (!uri) malformed('unbound namespace prefix');
          key = `{${uri}}${name.slice(colon + 1)}`;
        }
        // two prefixes bound to one namespace make the same attribute twice
        if (Object.hasOwn(attributes, key)) malformed('duplicate attribute');
        attributes[key] = raw[name]!;
      }
    }

    const el: XmlElement = { name: local, ns, prefix, attributes, children: [], text: '', start, end: pos, nsScope };
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    const el = stack.pop();
    if (el) el.end = parser.position;
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });

  try {
    parser.write(source).close();
  } catch (err) {
    if (failure) throw failure;
    if (err instanceof XmlInputError) throw err;
    throw new XmlInputError('RP001', describeSaxesError((err as Error).message));
  }
  if (failure) throw failure;
  if (!root) throw new XmlInputError('RP001', 'Malformed XML: no root element');
  return { root, encoding, source };
}

function occurrences(text: string, what: string): number {
  let n = 0;
  for (let i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length)) n++;
  return n;
}

/** The prefix an `xmlns` / `xmlns:p` attribute declares ('' for the default namespace); undefined for any other attribute. */
function declaredPrefix(name: string): string | undefined {
  if (name.charCodeAt(0) !== 120 /* x */ || !name.startsWith('xmlns')) return undefined;
  if (name.length === 5) return '';
  return name.length > 6 && name.charCodeAt(5) === 58 /* : */ ? name.slice(6) : undefined;
}

/** The prefix of a qualified name whose first colon is at `colon`; `p:`, `:l` and `p:l:m` are malformed. */
function qualifiedPrefix(name: string, colon: number, malformed: (rule: string) => never): string {
  if (colon === 0 || colon === name.length - 1 || name.indexOf(':', colon + 1) >= 0) malformed('malformed qualified name');
  return name.slice(0, colon);
}

/** The Namespaces in XML constraints on one declaration (the same ones saxes checks in its namespace mode). */
function checkDeclaration(prefix: string, uri: string, version: string, malformed: (rule: string) => never): string {
  if (prefix === 'xml' ? uri !== XML_NS : uri === XML_NS) malformed('the xml prefix and its namespace belong only to each other');
  if (prefix === 'xmlns' || uri === XMLNS_NS) malformed('the xmlns prefix and namespace cannot be declared');
  if (prefix !== '' && uri === '' && version === '1.0') malformed('a prefix cannot be undeclared in XML 1.0');
  return uri;
}

/**
 * saxes' message for a well-formedness error, as our own words: the position it gives and the rule,
 * from a fixed list. saxes quotes names and values in some messages; those never reach a fault.
 */
const SAXES_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^disallowed character in (tag name|closing tag)/, 'malformed tag'],
  [/^disallowed character in attribute name|^attribute without value|^unquoted attribute value|^no whitespace between attributes|^forward-slash in opening tag/, 'malformed attribute'],
  [/^disallowed character in (entity name|processing instruction name)|^empty entity name|^undefined entity|^malformed character entity/, 'undefined or malformed entity or character reference'],
  [/^disallowed character/, 'character not allowed in XML'],
  [/^malformed comment/, 'malformed comment'],
  [/^text data outside of root node/, 'text outside the root element'],
  [/^documents may contain only one root/, 'more than one root element'],
  [/^document must contain a root element/, 'no root element'],
  [/^the string "\]\]>" is disallowed/, '"]]>" in character data'],
  [/^duplicate attribute/, 'duplicate attribute'],
  [/^unexpected close tag|^unmatched closing tag|^weird empty close tag/, 'mismatched end tag'],
  [/^unclosed tag/, 'unclosed element'],
  [/^unexpected end/, 'unexpected end of document'],
  [/doctype/i, 'misplaced DOCTYPE'],
  [/processing instruction/i, 'misplaced processing instruction'],
  [/XML declaration|xml declaration|version number|encoding value|standalone value|value must be quoted|value required|whitespace required|name\/value pairs|expected the name|expected one of/, 'malformed XML declaration'],
];

function describeSaxesError(message: string): string {
  const m = /^(\d+):(\d+): (.*)/.exec(message);
  if (!m) return 'Malformed XML';
  const rule = SAXES_RULES.find(([re]) => re.test(m[3]!))?.[1] ?? 'not well-formed';
  return `Malformed XML at line ${m[1]}, column ${m[2]}: ${rule}`;
}
