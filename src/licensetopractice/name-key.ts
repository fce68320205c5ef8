/**
 * The normalised search key for names (docs/design.md#name-matching).
 *
 * Rules, in order:
 *  1. lower-case (locale independent);
 *  2. the Swedish letters get their own code points after `z` in byte order:
 *     å → `{`, ä → `|`, ö → `}` (also æ → `|` and ø → `}`, which Swedish collation treats as ä and ö);
 *  3. every other letter with a diacritic folds to its base letter (é → e, ü → u, ñ → n), ß → ss;
 *  4. every run of other characters (space, hyphen, apostrophe, dot) becomes one space; leading and
 *     trailing separators are dropped.
 *
 * The key therefore contains only ASCII: ` `, `0-9`, `a-z`, `{`, `|`, `}`. Byte order over it is the
 * Swedish alphabetical order (… X Y Z Å Ä Ö). SQLite compares TEXT with BINARY by default and the
 * PostgreSQL columns are declared `COLLATE "C"`, so both engines match and order identically.
 */

const SWEDISH: Readonly<Record<string, string>> = { å: '{', ä: '|', ö: '}', æ: '|', ø: '}' };

/** Returns the search key of a name, or '' when the name contains no letters or digits. */
export function nameKey(name: string): string {
  const lower = name.toLowerCase();
  let out = '';
  let pendingSpace = false;
  for (const ch of lower) {
    let mapped = SWEDISH[ch];
    if (mapped === undefined) {
      if (ch === 'ß') mapped = 'ss';
      else {
        // Strip combining marks after canonical decomposition: é → e, ü → u.
        const base = ch.normalize('NFD').replace(/\p{M}+/gu, '');
        mapped = /^[a-z0-9]+$/.test(base) ? base : '';
      }
    }
    if (mapped === '') {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += mapped;
  }
  return out;
}

/** The smallest key greater than every key that starts with `prefix` (prefix must be non-empty). */
export function prefixUpperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

export type NameMatch = { readonly kind: 'exact' | 'prefix'; readonly key: string };

/**
 * Parses a name criterion: `Ander*` is a prefix match, a name without `*` an exact match.
 * Returns an error message for a `*` anywhere but at the end, or a criterion with no letters.
 */
export function parseNameCriterion(raw: string): NameMatch | { readonly error: string } {
  const trimmed = raw.trim();
  const star = trimmed.indexOf('*');
  const prefix = star >= 0;
  if (prefix && star !== trimmed.length - 1) return { error: "'*' is only allowed at the end of a name" };
  const key = nameKey(prefix ? trimmed.slice(0, -1) : trimmed);
  if (key === '') return { error: 'a name criterion needs at least one letter' };
  return { kind: prefix ? 'prefix' : 'exact', key };
}
