/**
 * What the type builder (types.ts) produces for each type: the codec metadata plus where the type is defined
 * and its documentation. Its own module so that content-model.ts, which types.ts uses, can name it
 * without importing types.ts back.
 */
import type { FieldMeta, TypeMeta } from './rivta.js';

/** The documentation of a type, carried into JSDoc. */
export interface TypeDocs {
  /** Of the type; for an anonymous type without its own, of the element or attribute that declares it. */
  readonly text?: string;
  /** Of each field, by identity in `meta.fields`: its element, attribute or wildcard declaration's. */
  readonly fields: ReadonlyMap<FieldMeta, string>;
  /** Of each enumeration value that has any. */
  readonly enumeration: ReadonlyMap<string, string>;
}

export interface BuiltType {
  readonly key: string;
  readonly ns: string;
  /** Unsanitised name the TypeScript name is derived from. */
  readonly rawName: string;
  readonly meta: TypeMeta;
  /** Where it was defined, for the doc comment. */
  readonly file: string;
  readonly line: number;
  readonly anonymous: boolean;
  readonly docs: TypeDocs;
}
