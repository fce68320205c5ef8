/** XML escaping for text and attribute values (fast path: nothing to escape). */

const TEXT_RE = /[&<>]/;
const TEXT_RE_G = /[&<>]/g;
const ATTR_RE = /[&<>"\t\n\r]/;
const ATTR_RE_G = /[&<>"\t\n\r]/g;
const ENT: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const rep = (c: string): string => ENT[c]!;
/** Characters not allowed in XML 1.0 at all (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
const INVALID_RE = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(s: string): string {
  INVALID_RE.lastIndex = 0;
  return INVALID_RE.test(s) ? s.replace(INVALID_RE, '\uFFFD') : s;
}

export function escapeText(s: string): string {
  s = clean(s);
  return TEXT_RE.test(s) ? s.replace(TEXT_RE_G, rep) : s;
}

export function escapeAttr(s: string): string {
  s = clean(s);
  return ATTR_RE.test(s) ? s.replace(ATTR_RE_G, rep) : s;
}
