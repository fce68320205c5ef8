/**
 * The contract metadata: the one interface between the contract compiler and the runtime. It is written
 * once, in src/compiler/rivta.ts; the compiler imports its types and copies this text verbatim (below a
 * generated header) into every output directory as rivta.ts, so that generated code imports nothing from
 * src/ and the runtime reads the same shape from contracts/rivta.js. Mapping rules and conventions:
 * docs/codec-metadata.ts.md. This module holds types only (no value exists at run time).
 */

/** A qualified XML name in Clark notation: `{namespace}local`, or `local` for no namespace. */
export type QNameString = string;

/** XSD built-in simple types the runtime converts; everything else maps to one of these by restriction. */
export type BuiltinType =
  | 'string' | 'normalizedString' | 'token' | 'anyURI' | 'ID' | 'IDREF' | 'NCName' | 'Name' | 'NMTOKEN' | 'language' | 'QName'
  | 'boolean'
  | 'int' | 'integer' | 'long' | 'short' | 'byte' | 'nonNegativeInteger' | 'positiveInteger' | 'nonPositiveInteger' | 'negativeInteger'
  | 'unsignedLong' | 'unsignedInt' | 'unsignedShort' | 'unsignedByte'
  | 'decimal' | 'float' | 'double'
  | 'dateTime' | 'date' | 'time' | 'duration' | 'gYear' | 'gYearMonth' | 'gMonth' | 'gMonthDay' | 'gDay'
  | 'base64Binary' | 'hexBinary' | 'anyType' | 'anySimpleType';

/** One child of a complex type, in document order. */
export interface FieldMeta {
  /** TypeScript property name: the XML local name (attributes too; `$value` for simple content, `$any` for wildcards). */
  readonly name: string;
  readonly kind: 'element' | 'attribute' | 'any';
  /** Element namespace; `null` when unqualified (attributes, elementFormDefault="unqualified"). For `any`: the namespace constraint as written (`##other`, `##any`, a list). */
  readonly ns: string | null;
  /** Key into `ContractDefinition.types`, or `xs:<builtin>`. Empty for `any`. */
  readonly type: string;
  readonly min: number;
  /** -1 means unbounded. */
  readonly max: number;
  /** Present when the field belongs to an `xs:choice`; fields sharing the id are alternatives. */
  readonly choice?: number;
}

export interface ComplexTypeMeta {
  readonly kind: 'complex';
  /** Flattened content model in document order (base type fields first for extensions). */
  readonly fields: readonly FieldMeta[];
  /** Set for `xs:simpleContent`: the text value is decoded as this type into property `$value`. */
  readonly simpleContent?: string;
}

export interface SimpleTypeMeta {
  readonly kind: 'simple';
  readonly base: BuiltinType;
  readonly enumeration?: readonly string[];
  readonly pattern?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly length?: number;
  readonly minInclusive?: string;
  readonly maxInclusive?: string;
  readonly totalDigits?: number;
  readonly fractionDigits?: number;
  /** For `xs:list`: the item type key; the value is an array. */
  readonly list?: string;
}

export type TypeMeta = ComplexTypeMeta | SimpleTypeMeta;

/** One message part bound as a SOAP header (LogicalAddress, and e.g. Actor in crm.scheduling). */
export interface HeaderPartMeta {
  readonly part: string;
  readonly element: QNameString;
  readonly type: string;
  readonly required: boolean;
}

export interface OperationMeta {
  readonly name: string;
  /** As written in the WSDL binding, unquoted. */
  readonly soapAction: string;
  readonly request: { readonly element: QNameString; readonly type: string };
  readonly response: { readonly element: QNameString; readonly type: string };
  readonly headers: readonly HeaderPartMeta[];
}

/** The TypeScript types of one operation: what its handler receives and returns. */
export interface OperationTypes {
  readonly request: unknown;
  readonly response: unknown;
  /** The operation's `<Op>Headers` interface: one property per SOAP header part. */
  readonly headers: unknown;
}

/** Operation name → its TypeScript types; the type parameter of a contract's definition. */
export type OperationTypeMap = { readonly [operation: string]: OperationTypes };

/**
 * The implementation of a contract whose operations have the types Ops, called with a context C: one
 * function per operation. Function-typed properties, not methods, so that a handler's parameters are
 * checked contravariantly: a handler that needs more of its request than the contract promises does not
 * type-check.
 */
export type Responder<Ops extends OperationTypeMap, C> = {
  readonly [Op in keyof Ops]: (
    request: Ops[Op]['request'],
    context: C & { readonly headers: Ops[Op]['headers'] },
  ) => Promise<Ops[Op]['response']>;
};

/** Key of the member of ContractDefinition that carries its operation types; the member is never set. */
declare const operationTypes: unique symbol;

/**
 * A contract, as the runtime serves it. The type parameter carries each operation's TypeScript types, so
 * that a definition and a handler for different contracts do not type-check together; without it (or with
 * `any`) a definition stands for a contract of any operations.
 */
export interface ContractDefinition<Ops extends OperationTypeMap = any> {
  /** Interaction name without the `Interaction` suffix, e.g. `GetDiagnosis`. */
  readonly name: string;
  /** Responder namespace, e.g. `urn:riv:…:GetDiagnosisResponder:1` (the TAK "contract namespace"). */
  readonly namespace: string;
  /** RIVTA domain, colon-separated, e.g. `processmanagement:decisionsupport:insurancemedicine`. */
  readonly domain: string;
  readonly major: number;
  readonly minor: number;
  /** WSDL targetNamespace, e.g. `urn:riv:…:GetDiagnosis:1:rivtabp21`. */
  readonly wsdlNamespace: string;
  readonly serviceName: string;
  readonly portName: string;
  readonly bindingName: string;
  readonly portTypeName: string;
  /** Paths relative to the contract root (the directory holding wsdl/ and schemas/), `/`-separated. */
  readonly wsdlFile: string;
  /** Every schema the WSDL imports, directly or transitively, relative to the contract root, sorted. */
  readonly schemaFiles: readonly string[];
  readonly operations: readonly OperationMeta[];
  /**
   * Every type of the namespace modules the operations reach (at least every type reachable from them), keyed by
   * `{namespace}Name`; anonymous types get a stable key `{namespace}Owner#path`. Assembled from the `$types` table
   * of each `_types` module, so a namespace shared by several contracts is described once.
   */
  readonly types: { readonly [key: string]: TypeMeta };
  /** Compile time only: the operations' TypeScript types (see Responder). Never present at run time. */
  readonly [operationTypes]?: Ops;
}

/** An element matched by `xs:any`, kept verbatim. */
export interface AnyElement {
  readonly ns: string | null;
  readonly name: string;
  readonly xml: string;
}
