/**
 * The `personnummer` class, typed. The package is CommonJS with `module.exports = Personnummer` but
 * its typings declare `export default`, so under `module: nodenext` the default import is typed as
 * the module object; at run time it is the class itself. This resolves both views.
 */
import personnummerModule from 'personnummer';

type PersonnummerClass = typeof personnummerModule.default;

export const Personnummer: PersonnummerClass =
  ((personnummerModule as unknown as { default?: PersonnummerClass }).default ?? (personnummerModule as unknown as PersonnummerClass));
