/**
 * Every naming rule of the generated code, in one place: metadata keys and names of anonymous types,
 * TypeScript identifiers, type-module file names, and the module, constant and interface names of a
 * contract. Nothing here renders code; the renderers ask these functions for names.
 */
import { clark } from './schemaset.js';

// ---------------------------------------------------------------------------- anonymous types

/** Where an anonymous definition sits: below a named type, global element or group of namespace `ns`. */
export interface Owner {
  readonly ns: string;
  /** Name of the owning named type, global element or group. */
  readonly name: string;
  /** `/`-separated local element names below it ('' at the owner; `@attr`, `$value`, `$item`, `$base` segments). */
  readonly path: string;
}

export function joinPath(path: string, segment: string): string {
  return path ? `${path}/${segment}` : segment;
}

/**
 * The metadata key of an anonymous type: `{ns}Owner#path`; a global element's (or attribute's) own
 * anonymous type has an empty path, `{ns}Element#`.
 */
export function anonymousTypeKey(owner: Owner, global: boolean): string {
  return `${clark(owner.ns, owner.name)}#${global ? '' : owner.path}`;
}

/** The name an anonymous type's TypeScript name is derived from: Owner_child_grandchild (markers dropped). */
export function anonymousTypeRawName(owner: Owner): string {
  return [owner.name, ...owner.path.split('/').filter(Boolean).map((s) => s.replace(/^[@$]/, ''))].join('_');
}

// ---------------------------------------------------------------------------- identifiers

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await ' +
    'any unknown never number bigint boolean string symbol object undefined'
  ).split(' '),
);

/** A deterministic TypeScript identifier for an XSD name: invalid characters become `_`, reserved words get `_`. */
function identifier(raw: string): string {
  let s = raw.replace(/[^\p{ID_Continue}]/gu, '_');
  if (!/^[\p{ID_Start}_]/u.test(s)) s = `_${s}`;
  if (RESERVED.has(s)) s = `${s}_`;
  return s;
}

/** `base`, or `base_2`, `base_3` … : the first that `taken` does not hold (compared by `fold`); records it. */
function unique(base: string, taken: Set<string>, fold: (s: string) => string = (s) => s): string {
  let name = base;
  for (let i = 2; taken.has(fold(name)); i++) name = `${base}_${i}`;
  taken.add(fold(name));
  return name;
}

/**
 * TypeScript names of the types of one module, by metadata key: each keeps its (sanitised) XSD name, and
 * clashes get _2, _3 … in key order.
 */
export function typeNames(rawNames: ReadonlyMap<string, string>): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const key of [...rawNames.keys()].sort(cmp)) out.set(key, unique(identifier(rawNames.get(key)!), taken));
  return out;
}

// ---------------------------------------------------------------------------- type modules

/** The `_types` module file name (without `.ts`) of a namespace. */
function namespaceFileName(ns: string): string {
  const s = ns.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return s || '_no_namespace';
}

/** One namespace as defined by one set of schema files (a namespace defined differently elsewhere is another). */
export interface ModuleIdentity {
  readonly id: string;
  readonly ns: string;
  /** The schema files defining the namespace, sorted. */
  readonly files: readonly string[];
}

/**
 * File names (without `.ts`) of the type modules, by id: the namespace's name; when one namespace comes
 * from several sets of schema files, `__<defining file names>` is appended; a case-insensitive clash gets
 * _2, _3 ….
 */
export function typeModuleFileNames(modules: readonly ModuleIdentity[]): Map<string, string> {
  const byNs = new Map<string, ModuleIdentity[]>();
  for (const m of [...modules].sort((a, b) => cmp(a.id, b.id))) byNs.set(m.ns, [...(byNs.get(m.ns) ?? []), m]);
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const ns of [...byNs.keys()].sort(cmp)) {
    const list = byNs.get(ns)!;
    for (const m of list) {
      let base = namespaceFileName(ns);
      if (list.length > 1) {
        base += `__${m.files.map((f) => f.replace(/^.*\//, '').replace(/\.(xsd|wsdl)$/i, '')).join('__').replace(/[^A-Za-z0-9]+/g, '_')}`;
      }
      out.set(m.id, unique(base, taken, (s) => s.toLowerCase()));
    }
  }
  return out;
}

/**
 * The name of a type re-exported by a contract module: its own, or, when a name is already taken (by
 * another namespace or by the contract's own declarations), `<name>_<module file name>`.
 */
export function reexportName(name: string, moduleFile: string, taken: Set<string>): string {
  if (!taken.has(name)) {
    taken.add(name);
    return name;
  }
  return unique(`${name}_${moduleFile}`, taken);
}

// ---------------------------------------------------------------------------- contracts

/** What the naming of a contract needs to know. */
export interface ContractIdentity {
  readonly name: string;
  readonly domain: string;
  readonly major: number;
  readonly minor: number;
}

export interface ContractNames {
  /** Output-relative module path, e.g. `processmanagement/decisionsupport/insurancemedicine/GetDiagnosisInteraction.ts`. */
  readonly file: string;
  /** The definition constant, e.g. `getDiagnosisContract`. */
  readonly constName: string;
  /** The responder interface, e.g. `GetDiagnosisResponderInterface`. */
  readonly interfaceName: string;
  /** The operation-types type, e.g. `GetDiagnosisOperations`. */
  readonly operationsName: string;
}

/**
 * A contract module is <domain path>/<Name>Interaction.ts, its constant <name>Contract, its interface
 * <Name>ResponderInterface, its operation types <Name>Operations. When several WSDLs of one interaction
 * (same domain and name) are compiled together, each carries its major (<Name>Interaction_<major>.ts,
 * <name>V<major>Contract …), and those sharing a major carry major and minor (_<major>_<minor>,
 * V<major>_<minor>). Returns the names in the order of `contracts`; `clash` reports two WSDLs of one version.
 */
export function contractNames<T extends ContractIdentity>(contracts: readonly T[], clash: (a: T, b: T) => never): ContractNames[] {
  return contracts.map((c) => {
    const same = contracts.filter((x) => x.domain === c.domain && x.name === c.name);
    const sameMajor = same.filter((x) => x.major === c.major);
    const twin = sameMajor.find((x) => x !== c && x.minor === c.minor);
    if (twin) clash(c, twin);
    const suffix =
      same.length === 1 ? { file: '', ident: '' }
      : sameMajor.length === 1 ? { file: `_${c.major}`, ident: `V${c.major}` }
      : { file: `_${c.major}_${c.minor}`, ident: `V${c.major}_${c.minor}` };
    const base = identifier(c.name);
    const dir = c.domain.split(':').map((s) => s.replace(/[^A-Za-z0-9._-]+/g, '_')).join('/');
    const upper = `${upperFirst(base)}${suffix.ident}`;
    return {
      file: `${dir}/${base}Interaction${suffix.file}.ts`,
      constName: `${lowerFirst(base)}${suffix.ident}Contract`,
      interfaceName: `${upper}ResponderInterface`,
      operationsName: `${upper}Operations`,
    };
  });
}

/** The `<Op>Headers` interface of an operation. */
export function headersName(operation: string): string {
  return `${identifier(operation)}Headers`;
}

/** In index.ts, should two domains use the same interaction name, the later one's exports get `_<domain>`. */
export function indexAlias(name: string, domain: string): string {
  return `${name}_${domain.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Code-unit order: the one sort order of everything generated (locale-independent). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
