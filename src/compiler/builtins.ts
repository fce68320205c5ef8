/**
 * The XSD built-in simple types: which ones the runtime converts, what the others count as, and the
 * TypeScript type each one becomes (docs/codec-metadata.ts.md, "Mapping rules").
 */
import type { BuiltinType } from './rivta.js';

const BUILTIN_LIST = [
  'string', 'normalizedString', 'token', 'anyURI', 'ID', 'IDREF', 'NCName', 'Name', 'NMTOKEN', 'language', 'QName',
  'boolean', 'int', 'integer', 'long', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'nonPositiveInteger',
  'negativeInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte', 'decimal', 'float', 'double',
  'dateTime', 'date', 'time', 'duration', 'gYear', 'gYearMonth', 'gMonth', 'gMonthDay', 'gDay', 'base64Binary',
  'hexBinary', 'anyType', 'anySimpleType',
] as const satisfies readonly BuiltinType[];

// The list above and the BuiltinType union in rivta.ts must name the same types: this fails to compile otherwise.
const everyBuiltinListed: [Exclude<BuiltinType, (typeof BUILTIN_LIST)[number]>] extends [never] ? true : never = true;
void everyBuiltinListed;

const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_LIST);

/** XSD built-ins outside BuiltinType, mapped to the one the runtime treats them as. */
const BUILTIN_ALIASES: Readonly<Record<string, BuiltinType>> = {
  NMTOKENS: 'string', IDREFS: 'string', ENTITIES: 'string', ENTITY: 'string', NOTATION: 'string',
};

const NUMBER_BUILTINS: ReadonlySet<string> = new Set(['int', 'short', 'byte', 'float', 'double', 'unsignedInt', 'unsignedShort', 'unsignedByte']);

/** The BuiltinType an `xs:` local name stands for, or undefined when XML Schema has no such type. */
export function builtinOf(local: string): BuiltinType | undefined {
  if (BUILTINS.has(local)) return local as BuiltinType;
  return Object.hasOwn(BUILTIN_ALIASES, local) ? BUILTIN_ALIASES[local] : undefined;
}

/** The TypeScript type of a built-in. */
export function tsOfBuiltin(b: string): 'string' | 'number' | 'boolean' {
  if (b === 'boolean') return 'boolean';
  if (NUMBER_BUILTINS.has(b)) return 'number';
  return 'string';
}
