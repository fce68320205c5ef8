/**
 * Swedish identity numbers, validated by the `personnummer` and `organisationsnummer` packages (never by
 * check-digit code of our own): personal identity numbers (personnummer), coordination numbers
 * (samordningsnummer) and organisation numbers (organisationsnummer). Shared by SearchPersonnel, the
 * register generator and the case hub.
 */
import organisationsnummerModule from 'organisationsnummer';
import personnummerModule from 'personnummer';

// Both packages are CommonJS with `module.exports = Class`, but their typings declare `export default`, so
// under `module: nodenext` the default import is typed as the module object; at run time it is the class
// itself. These resolve both views.
type PersonnummerClass = typeof personnummerModule.default;
export const Personnummer: PersonnummerClass =
  (personnummerModule as unknown as { default?: PersonnummerClass }).default ?? (personnummerModule as unknown as PersonnummerClass);

type OrganisationsnummerClass = { valid(org: string): boolean };
const Organisationsnummer: OrganisationsnummerClass =
  (organisationsnummerModule as unknown as { default?: OrganisationsnummerClass }).default ??
  (organisationsnummerModule as unknown as OrganisationsnummerClass);

/**
 * A 12-digit personal identity number (`coordination` false) or coordination number (true, day + 60) with
 * a valid check digit. Interim numbers are refused, and so is a number of the other kind.
 */
export function validIdentityNumber(value: string, coordination: boolean): boolean {
  if (!/^\d{12}$/.test(value)) return false;
  try {
    const parsed = Personnummer.parse(value, { allowCoordinationNumber: coordination, allowInterimNumber: false });
    return parsed.isCoordinationNumber() === coordination;
  } catch {
    return false;
  }
}

/** A 10-digit organisation number with a valid check digit. */
export function validOrganisationNumber(value: string): boolean {
  return /^\d{10}$/.test(value) && Organisationsnummer.valid(value);
}
