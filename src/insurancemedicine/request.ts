/** Request helpers shared by the FMB handlers. */

/**
 * xs:dateTime → Date. A dateTime without an offset is taken as UTC (spec §2 stores UTC).
 * undefined → undefined; unparseable → null (the handler answers VALIDATION_ERROR).
 */
export function parseChangedSince(value: string | undefined): Date | undefined | null {
  if (value === undefined) return undefined;
  const s = value.trim();
  const m = /^(-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m) return null;
  const t = Date.parse(m[1]! + (m[2] ?? 'Z'));
  return Number.isNaN(t) ? null : new Date(t);
}
