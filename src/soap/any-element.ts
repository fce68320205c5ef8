/**
 * xs:any content of a request, kept as standalone XML text: the element's source with the namespace
 * declarations it relies on from its ancestors. Made on first use, and only with the declarations the
 * fragment mentions, so its cost follows the fragment's length (README, Faults).
 */
import type { AnyElement } from '../../contracts/rivta.js';
import { escapeAttr } from './escape.js';
import { lookupNamespace, type NsScope, type XmlElement } from './xml.js';

/**
 * An xs:any element of a request. Handlers rarely read wildcard content, so its standalone text is made
 * on first use of `xml` (then kept): a body of 20,000 wildcard elements costs no copying unless asked.
 */
export class CapturedElement implements AnyElement {
  readonly ns: string | null;
  readonly name: string;
  // private fields: never enumerated, so the source text cannot leak through a spread or JSON
  readonly #el: XmlElement;
  readonly #at: Fragments;
  #xml: string | undefined;
  constructor(el: XmlElement, at: Fragments) {
    this.ns = el.ns || null;
    this.name = el.name;
    this.#el = el;
    this.#at = at;
  }
  get xml(): string {
    return (this.#xml ??= verbatim(this.#el, this.#at));
  }
  toJSON(): AnyElement {
    return { ns: this.ns, name: this.name, xml: this.xml };
  }
}

/** What one decode() shares across its xs:any fragments: the source, and the declarations already worked out. */
export interface Fragments {
  readonly source: string;
  /** Per scope: prefix → ` xmlns:prefix="uri"` (escaped), '' when the prefix is unbound there. */
  readonly declarations: Map<NsScope, Map<string, string>>;
}

/**
 * The element's source text, with the namespace declarations it relies on from its ancestors added to
 * its start tag so the fragment stands alone. Only prefixes the fragment mentions are declared: the text
 * is scanned once for `name:` (element and attribute names, and QNames in values such as xsi:type), so
 * the cost follows the fragment's length, not the number of declarations in scope (README, Faults).
 */
function verbatim(el: XmlElement, at: Fragments): string {
  const xml = at.source.slice(el.start, el.end);
  const scope = el.nsScope;
  let known = at.declarations.get(scope);
  if (!known) at.declarations.set(scope, (known = new Map()));
  const own = scope.owner === el.start ? scope.declared : undefined;
  // prefixes seen in this fragment: a short list (the usual case, cheaper than a set), a set past 8
  const used: string[] = [];
  let usedSet: Set<string> | undefined;
  let extra = '';
  const declare = (prefix: string) => {
    if (usedSet) {
      if (usedSet.has(prefix)) return;
      usedSet.add(prefix);
    } else {
      if (used.includes(prefix)) return;
      used.push(prefix);
      if (used.length > 8) usedSet = new Set(used);
    }
    let decl = known.get(prefix);
    if (decl === undefined) {
      const uri = prefix === 'xml' ? undefined : lookupNamespace(scope, prefix);
      // unbound (or the default namespace is none): nothing to declare
      decl = !uri ? '' : prefix === '' ? ` xmlns="${escapeAttr(uri)}"` : ` xmlns:${prefix}="${escapeAttr(uri)}"`;
      known.set(prefix, decl);
    }
    if (decl && !own?.has(prefix)) extra += decl;
  };
  declare(''); // unprefixed names inside stay in the default namespace in scope here
  for (let colon = xml.indexOf(':'); colon >= 0; colon = xml.indexOf(':', colon + 1)) {
    // walk back over the name before the colon; a colon stops the walk, so each character is passed once
    let from = colon;
    while (from > 0 && isNameChar(xml.charCodeAt(from - 1))) from--;
    if (from < colon) declare(xml.slice(from, colon));
  }
  if (!extra) return xml;
  const nameEnd = 1 + (el.prefix ? el.prefix.length + 1 : 0) + el.name.length;
  return xml.slice(0, nameEnd) + extra + xml.slice(nameEnd);
}

/** NCName characters, loosely (any non-ASCII counts): declaring a prefix too many is harmless, one too few is not. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c >= 0x80;
}
