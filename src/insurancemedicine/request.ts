/** Request helpers shared by the FMB handlers. */
import { parseXsDateTime } from '../soap/datetime.js';

/** Limits from the configuration; `maxCriteria` caps each repeated criterion (README, "Bounded repetition"). */
export interface FmbHandlerLimits {
  readonly maxCriteria: number;
}

/**
 * xs:dateTime → Date. A dateTime without an offset is taken as UTC, the zone FMB content is kept in (docs/design.md#fmb-times).
 * undefined → undefined; not a real instant → null (the handler answers VALIDATION_ERROR).
 */
export function parseChangedSince(value: string | undefined): Date | undefined | null {
  if (value === undefined) return undefined;
  const t = parseXsDateTime(value, 'UTC');
  return t === undefined ? null : new Date(t);
}
