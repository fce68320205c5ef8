/**
 * TypeScript literals for plain data (the metadata constants), deterministic: the same value always
 * gives the same text.
 */

/** TypeScript source placed as it is inside a literal(): an expression the emitter built. */
export class Code {
  constructor(readonly text: string) {}
}

/** A single-quoted TypeScript string literal. */
export function quote(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A property name: bare when it is an identifier, else quoted. */
export function propertyName(name: string): string {
  return /^[\p{ID_Start}_$][\p{ID_Continue}$\u200C\u200D]*$/u.test(name) ? name : quote(name);
}

/** A key in an object literal: as propertyName, but `__proto__` computed, so that it is a key and not the prototype. */
function literalKey(name: string): string {
  return name === '__proto__' ? `[${quote(name)}]` : propertyName(name);
}

/** A literal for strings, numbers, booleans, null, arrays, objects and Code; short ones on one line. */
export function literal(v: unknown, indent: string): string {
  if (v === null) return 'null';
  if (v instanceof Code) return v.text;
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    if (v.every((x) => typeof x !== 'object' || x === null)) {
      const flat = `[${v.map((x) => literal(x, inner)).join(', ')}]`;
      if (flat.length < 100) return flat;
    }
    return `[\n${v.map((x) => `${inner}${literal(x, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (!entries.length) return '{}';
  const flat = `{ ${entries.map(([k, x]) => `${literalKey(k)}: ${literal(x, inner)}`).join(', ')} }`;
  if (flat.length < 140 && !flat.includes('\n')) return flat;
  return `{\n${entries.map(([k, x]) => `${inner}${literalKey(k)}: ${literal(x, inner)},`).join('\n')}\n${indent}}`;
}
