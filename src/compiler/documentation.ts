/**
 * The documentation a contract carries (`xs:documentation`, `wsdl:documentation`) as plain text for the
 * generated JSDoc. Schema authors wrap and indent their text arbitrarily, so it is normalised: see
 * normaliseDocumentation.
 */
import { XS } from './schemaset.js';
import type { XNode } from './xmltree.js';

/** A list item: `- `, `* `, `• `, `1. ` or `1) `. */
const LIST_ITEM = /^(?:[-*•]|\d+[.)])\s/u;
/** A label of up to four words and a colon opening a line, e.g. `Revisioner: 1.0`, `2010-04-21: Release`. */
const LABEL = /^[\p{L}\p{N}][\p{L}\p{N}_-]*(?: [\p{L}\p{N}_-]+){0,3}:(?:\s|$)/u;

/**
 * Normalises documentation text into logical lines joined by `\n`, paragraphs separated by an empty line:
 * every run of white space becomes one space; a blank line ends a paragraph; a line joins the one before
 * it (the author's wrapping is undone) unless it starts a list item or a label, or the line before ends
 * with a colon. Returns '' for text that is only white space.
 */
export function normaliseDocumentation(text: string): string {
  const out: string[] = [];
  let current: string | undefined;
  const flush = () => {
    if (current !== undefined) out.push(current);
    current = undefined;
  };
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/\s+/g, ' ').trim();
    if (!line) {
      flush();
      if (out.length && out.at(-1) !== '') out.push('');
    } else if (current === undefined || LIST_ITEM.test(line) || LABEL.test(line) || current.endsWith(':')) {
      flush();
      current = line;
    } else {
      current += ` ${line}`;
    }
  }
  flush();
  while (out.at(-1) === '') out.pop();
  return out.join('\n');
}

/** Several documentation texts (one per `xml:lang`, say) as one: normalised, empty ones dropped, paragraphs apart. */
function joinTexts(nodes: readonly XNode[]): string | undefined {
  const texts = nodes.map((d) => normaliseDocumentation(d.text)).filter(Boolean);
  return texts.length ? texts.join('\n\n') : undefined;
}

/** The `xs:annotation/xs:documentation` of a schema component, or undefined when it has none. */
export function xsDocumentation(node: XNode): string | undefined {
  const docs = node.children
    .filter((a) => a.ns === XS && a.local === 'annotation')
    .flatMap((a) => a.children.filter((d) => d.ns === XS && d.local === 'documentation'));
  return joinTexts(docs);
}

/** The `documentation` children (in namespace `ns`, e.g. WSDL 1.1's) of a node, or undefined. */
export function childDocumentation(node: XNode, ns: string): string | undefined {
  return joinTexts(node.children.filter((d) => d.ns === ns && d.local === 'documentation'));
}
