/**
 * ICD-10-SE code handling: normalisation, syntax check, hierarchy. Pure functions.
 *
 * Syntax accepted (after normalisation), documented in docs/fmb-import-format.md:
 *   ^[A-Z][0-9]{2}(\.[0-9][0-9A-Z]{0,3})?$
 * i.e. a category (letter + two digits, "F32"), optionally a dot and a subcategory of one digit followed
 * by up to three digits or letters ("F32.1", "F43.8A", "S82.01"). ICD-10-SE's national extensions add
 * letters in the fifth position (F43.8A utmattningssyndrom), never in the fourth. Dagger/asterisk
 * markers (G63.2*) and spaces inside a code are not part of a code and are rejected.
 *
 * Normalisation: trim, upper-case, and put the dot after the third character: "f321", "F32.1",
 * " f32.1 " → "F32.1". A dot anywhere else ("F3.21") makes the code invalid rather than being moved.
 */

/** The two ICD-10-SE code-system OIDs seen in real contracts (docs/design.md#icd10). */
export const ICD10_SE_OIDS: readonly string[] = ['1.2.752.116.1.1.1.3.2', '1.2.752.116.1.1.1.1.3'];
/** The OID we write in responses. */
export const ICD10_SE_OID = '1.2.752.116.1.1.1.3.2';

const VALID = /^[A-Z][0-9]{2}(?:\.[0-9][0-9A-Z]{0,3})?$/;

/** Normalises a code, or returns undefined when it is not a syntactically valid ICD-10-SE code. */
export function normaliseIcd10(input: string): string | undefined {
  const s = input.trim().toUpperCase();
  if (s.length < 3 || s.length > 8) return undefined;
  let code: string;
  const dot = s.indexOf('.');
  if (dot === -1) code = s.length > 3 ? `${s.slice(0, 3)}.${s.slice(3)}` : s;
  else if (dot === 3 && s.length > 4) code = s;
  else return undefined;
  return VALID.test(code) ? code : undefined;
}

/** True when codeSystem is absent or one of the accepted ICD-10-SE OIDs. */
export function isAcceptedIcd10CodeSystem(codeSystem: string | undefined | null): boolean {
  return codeSystem === undefined || codeSystem === null || ICD10_SE_OIDS.includes(codeSystem.trim());
}

/** Ancestors of a normalised code, nearest first: "F43.8A" → ["F43.8", "F43"]; "F32" → []. */
export function icd10Ancestors(code: string): string[] {
  const out: string[] = [];
  if (code.length <= 3) return out;
  let c = code;
  while (c.length > 5) {
    c = c.slice(0, -1);
    out.push(c);
  }
  out.push(code.slice(0, 3));
  return out;
}

/** The code itself, then its ancestors nearest first. */
export function icd10LookupChain(code: string): string[] {
  return [code, ...icd10Ancestors(code)];
}
