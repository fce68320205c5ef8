/**
 * Namespace-aware XML parsing into a light element tree (saxes), with the hostile-input limits
 * enforced *while* parsing: depth, element count, attribute value size; any DOCTYPE (and so any
 * entity declaration: XXE, billion laughs) and any processing instruction other than the XML
 * declaration is refused. Errors carry the RP fault code they map to.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

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
  /** Namespace declarations in scope at this element (prefix → uri), for verbatim re-serialisation. */
  readonly nsScope: Record<string, string>;
}

export interface XmlLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly maxAttributeBytes: number;
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

/** Parses a whole document held in memory (a leading BOM is dropped; offsets refer to `source` without it). Throws XmlInputError. */
export function parseXml(input: string, limits: XmlLimits): ParsedXml {
  const source = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // saxes would silently drop a second BOM too; only one may start a document
  if (source.charCodeAt(0) === 0xfeff) throw new XmlInputError('RP001', 'Malformed XML: more than one byte order mark');
  // saxes gets markedly slower (measured ~5x) with every optional handler attached, so the common
  // case runs with opentag/closetag/text/xmldecl only: a DOCTYPE is detected at the root start tag
  // (saxes records it), parse errors throw, and the rare documents that contain `<?` after the
  // declaration or a CDATA section take the full path with those handlers too.
  const full = source.indexOf('<?', 1) >= 0 || source.indexOf('<![CDATA[') >= 0;
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let encoding: string | undefined;
  let failure: XmlInputError | undefined;
  const fail = (e: XmlInputError): never => {
    failure = e;
    throw e;
  };

  parser.on('xmldecl', (decl) => {
    encoding = decl.encoding;
  });
  if (full) {
    parser.on('processinginstruction', () => fail(new XmlInputError('RP001', 'Processing instructions are not allowed')));
    parser.on('cdata', (t) => {
      const top = stack[stack.length - 1];
      if (top) top.text += t;
    });
  }
  const doctype = () => fail(new XmlInputError('RP001', 'DTDs and entity declarations are not allowed'));
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (count === 0 && (parser as unknown as { doctype: boolean }).doctype) doctype();
    if (++count > limits.maxElements) fail(new XmlInputError('RP002', `More than ${limits.maxElements} elements`));
    if (stack.length >= limits.maxDepth) fail(new XmlInputError('RP002', `Nesting deeper than ${limits.maxDepth} levels`));
    const attributes: Record<string, string> = {};
    for (const key in tag.attributes) {
      const a = tag.attributes[key]!;
      // fast path on UTF-16 length: a value of n code units takes at most 3n UTF-8 bytes
      if (a.value.length * 3 > limits.maxAttributeBytes && Buffer.byteLength(a.value) > limits.maxAttributeBytes) {
        fail(new XmlInputError('RP002', `Attribute value longer than ${limits.maxAttributeBytes} bytes`));
      }
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      attributes[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    }
    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const pos = parser.position;
    const el: XmlElement = {
      name: tag.local,
      ns: tag.uri,
      prefix: tag.prefix,
      attributes,
      children: [],
      text: '',
      start: source.lastIndexOf('<', pos - 1),
      end: pos,
      nsScope: tag.ns && Object.keys(tag.ns).length > 0 ? { ...(parent?.nsScope ?? {}), ...tag.ns } : (parent?.nsScope ?? {}),
    };
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
    throw new XmlInputError('RP001', `Malformed XML: ${firstLine((err as Error).message)}`);
  }
  if (failure) throw failure;
  if (!root) throw new XmlInputError('RP001', 'Malformed XML: no root element');
  return { root, encoding, source };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).slice(0, 200);
}

/** Local-name lookup of a child element. */
export function childElements(el: XmlElement, ns: string, name: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.name === name);
}
