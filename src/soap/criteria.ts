/**
 * Repeated request criteria (README, "Bounded repetition"): the one check every handler runs on a
 * criterion the contract lets repeat (maxOccurs > 1).
 *  - More than `maxCriteria` occurrences is refused before any item is looked at. The XSD keeps
 *    `unbounded`, so the caller gets a VALIDATION_ERROR result rather than a schema fault.
 *  - Each item is normalised; the first invalid one is named by element and 1-based position.
 *  - Items with the same normalised value are one criterion: kept once, in request order, found with a
 *    Set (one pass, so the cost stays linear in the number of items).
 * Messages name the element, the position and the rule, never the value (README, "No echo").
 */

/** Why an item is not a valid criterion: the rule it breaks, and optionally the child element at fault. */
export class InvalidCriterion {
  constructor(
    readonly rule: string,
    readonly child?: string,
  ) {}
}

export interface CriterionRule<T, N> {
  /** The repeated element's name as the caller wrote it, e.g. "diagnosisCode". */
  readonly element: string;
  /** The item's normalised value, or why it is invalid. */
  readonly normalise: (item: T) => N | InvalidCriterion;
  /** What makes two items the same criterion; default: the normalised value as a string. */
  readonly key?: (value: N) => string;
}

export type CriteriaCheck<N> = { readonly values: N[] } | { readonly error: string };

/** The distinct normalised values of a repeated criterion, in request order, or the message of a VALIDATION_ERROR. */
export function checkCriteria<T, N>(items: readonly T[] | undefined, maxCriteria: number, rule: CriterionRule<T, N>): CriteriaCheck<N> {
  const list = items ?? [];
  if (list.length > maxCriteria) {
    return { error: `${rule.element} is repeated more than ${maxCriteria} times; at most ${maxCriteria} are accepted` };
  }
  const key = rule.key ?? ((v: N) => String(v));
  const seen = new Set<string>();
  const values: N[] = [];
  for (let i = 0; i < list.length; i++) {
    const v = rule.normalise(list[i]!);
    if (v instanceof InvalidCriterion) {
      return { error: `${rule.element}[${i + 1}]${v.child ? `.${v.child}` : ''} ${v.rule}` };
    }
    const k = key(v);
    if (seen.has(k)) continue;
    seen.add(k);
    values.push(v);
  }
  return { values };
}
