/**
 * A small namespace-aware XML tree with line numbers, built with saxes (a runtime dependency),
 * for reading WSDL and XSD files. Only what the contract compiler needs: elements, attributes,
 * in-scope namespace bindings (to resolve QName-valued attributes), the line of each start tag and
 * the text content (for xs:documentation).
 */
import fs from 'node:fs';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ContractError } from './errors.js';

export interface XNode {
  /** Namespace URI of the element ('' for none). */
  readonly ns: string;
  readonly local: string;
  /** Unqualified attributes by local name; qualified ones by Clark name `{ns}local`. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XNode[];
  /** In-scope namespace bindings (prefix → URI; '' is the default namespace). */
  readonly scope: Readonly<Record<string, string>>;
  /** 1-based line of the start tag. */
  readonly line: number;
  /** The file the node was read from (as given to parseXmlFile). */
  readonly file: string;
  /** Every character of the element's content, its descendants' included, in document order (DOM textContent). */
  readonly text: string;
}

export function attr(node: XNode, name: string): string | undefined {
  return node.attrs.get(name);
}

export function parseXmlFile(file: string, displayName: string): XNode {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ContractError(displayName, 0, file, `cannot read file: ${(e as Error).message}`);
  }
  return parseXml(text, displayName);
}

function parseXml(text: string, displayName: string): XNode {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: { node: { -readonly [K in keyof XNode]: XNode[K] }; text: string[] }[] = [];
  let root: XNode | undefined;
  let startLine = 1;
  let error: ContractError | undefined;
  parser.on('error', (e) => {
    error ??= new ContractError(displayName, parser.line, '', `malformed XML: ${e.message}`);
  });
  parser.on('opentagstart', () => {
    startLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const t = tag as SaxesTagNS;
    const parentScope = stack.length ? stack[stack.length - 1]!.node.scope : { xml: 'http://www.w3.org/XML/1998/namespace' };
    const scope: Record<string, string> = { ...parentScope };
    for (const [prefix, uri] of Object.entries(t.ns ?? {})) scope[prefix] = uri;
    const attrs = new Map<string, string>();
    for (const a of Object.values(t.attributes)) {
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      attrs.set(a.uri ? `{${a.uri}}${a.local}` : a.local, a.value);
    }
    const node: (typeof stack)[number]['node'] = { ns: t.uri ?? '', local: t.local ?? t.name, attrs, children: [], scope, line: startLine, file: displayName, text: '' };
    if (stack.length) stack[stack.length - 1]!.node.children.push(node);
    else root ??= node;
    if (!t.isSelfClosing) stack.push({ node, text: [] });
  });
  // Each open element collects the text it contains (schemas are small; depth is a handful).
  const onText = (chunk: string) => {
    for (const open of stack) open.text.push(chunk);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    if ((tag as SaxesTagNS).isSelfClosing) return;
    const open = stack.pop();
    if (open) open.node.text = open.text.join('');
  });
  try {
    parser.write(text).close();
  } catch (e) {
    throw error ?? new ContractError(displayName, parser.line, '', `malformed XML: ${(e as Error).message}`);
  }
  if (error) throw error;
  if (!root) throw new ContractError(displayName, 1, '', 'no root element');
  return root;
}
