/**
 * XSD components → codec metadata (TypeMeta, see docs/codec-metadata.ts.md) plus the structure
 * the emitter needs for TypeScript declarations. One TypeBuilder per WSDL closure (SchemaSet).
 *
 * Type keys: `{ns}Name` for named types, `xs:<builtin>` for built-ins, and for anonymous types
 * `{ns}Owner#path`, where Owner is the named type, global element or group that contains the
 * anonymous definition and path is the `/`-separated chain of local element names below it
 * (`@attr` for attributes, `$value` for a restricted simple content, `$item`/`$base` inside
 * anonymous simple types). A global element's own anonymous type is `{ns}Element#`.
 */
import { ContractError } from './errors.js';
import { attr, type XNode } from './xmltree.js';
import { clark, splitClark, XML_NS, XS, type Decl, type SchemaDoc, type SchemaSet } from './schemaset.js';

export type BuiltinType =
  | 'string' | 'normalizedString' | 'token' | 'anyURI' | 'ID' | 'IDREF' | 'NCName' | 'Name' | 'NMTOKEN' | 'language' | 'QName'
  | 'boolean'
  | 'int' | 'integer' | 'long' | 'short' | 'byte' | 'nonNegativeInteger' | 'positiveInteger' | 'nonPositiveInteger' | 'negativeInteger'
  | 'unsignedLong' | 'unsignedInt' | 'unsignedShort' | 'unsignedByte'
  | 'decimal' | 'float' | 'double'
  | 'dateTime' | 'date' | 'time' | 'duration' | 'gYear' | 'gYearMonth' | 'gMonth' | 'gMonthDay' | 'gDay'
  | 'base64Binary' | 'hexBinary' | 'anyType' | 'anySimpleType';

const BUILTINS = new Set<string>([
  'string', 'normalizedString', 'token', 'anyURI', 'ID', 'IDREF', 'NCName', 'Name', 'NMTOKEN', 'language', 'QName',
  'boolean', 'int', 'integer', 'long', 'short', 'byte', 'nonNegativeInteger', 'positiveInteger', 'nonPositiveInteger',
  'negativeInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte', 'decimal', 'float', 'double',
  'dateTime', 'date', 'time', 'duration', 'gYear', 'gYearMonth', 'gMonth', 'gMonthDay', 'gDay', 'base64Binary',
  'hexBinary', 'anyType', 'anySimpleType',
]);
/** XSD built-ins outside BuiltinType, mapped to the one the runtime treats them as. */
const BUILTIN_ALIASES: Record<string, BuiltinType> = {
  NMTOKENS: 'string', IDREFS: 'string', ENTITIES: 'string', ENTITY: 'string', NOTATION: 'string',
};
const NUMBER_BUILTINS = new Set(['int', 'short', 'byte', 'float', 'double', 'unsignedInt', 'unsignedShort', 'unsignedByte']);

/** The TypeScript type of a built-in (docs/codec-metadata.ts.md, "Mapping rules"). */
export function tsOfBuiltin(b: string): 'string' | 'number' | 'boolean' {
  if (b === 'boolean') return 'boolean';
  if (NUMBER_BUILTINS.has(b)) return 'number';
  return 'string';
}

export interface FieldMeta {
  name: string;
  kind: 'element' | 'attribute' | 'any';
  ns: string | null;
  type: string;
  min: number;
  max: number;
  choice?: number;
}
export interface ComplexTypeMeta {
  kind: 'complex';
  fields: FieldMeta[];
  simpleContent?: string;
}
export interface SimpleTypeMeta {
  kind: 'simple';
  base: BuiltinType;
  enumeration?: string[];
  pattern?: string[];
  minLength?: number;
  maxLength?: number;
  length?: number;
  minInclusive?: string;
  maxInclusive?: string;
  totalDigits?: number;
  fractionDigits?: number;
  list?: string;
}
export type TypeMeta = ComplexTypeMeta | SimpleTypeMeta;

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
}

interface Occ {
  min: number;
  max: number;
}

function mulMax(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  if (a === -1 || b === -1) return -1;
  return a * b;
}

interface Owner {
  /** Namespace of the owning component. */
  ns: string;
  /** Name of the owning named type / global element / group. */
  name: string;
  /** Path below it ('' at the owner). */
  path: string;
}

function joinPath(p: string, seg: string): string {
  return p ? `${p}/${seg}` : seg;
}

const isXs = (n: XNode, local: string) => n.ns === XS && n.local === local;

export class TypeBuilder {
  readonly types = new Map<string, BuiltType>();
  private readonly anonKeys = new Map<XNode, string>();
  private readonly keyNodes = new Map<string, XNode>();
  private readonly building = new Set<string>();
  /** Anonymous definitions, by key, not yet built. */
  private readonly anonPending = new Map<string, { node: XNode; doc: SchemaDoc; owner: Owner }>();

  constructor(private readonly set: SchemaSet) {}

  // ------------------------------------------------------------------ entry points

  /** The type key of a global element (building what is needed). */
  elementTypeKey(decl: Decl): string {
    const { ns, local } = splitClark(decl.qname);
    return this.elementDeclTypeKey(decl.node, decl.doc, { ns, name: local, path: '' }, true);
  }

  /** Builds a type by key (named, anonymous or built-in); returns it (undefined for built-ins). */
  ensure(key: string): BuiltType | undefined {
    if (key.startsWith('xs:')) return undefined;
    const done = this.types.get(key);
    if (done) return done;
    const anon = this.anonPending.get(key);
    if (anon) return this.buildAnonymous(key, anon.node, anon.doc, anon.owner);
    const decl = this.set.lookup('type', key);
    if (!decl) throw new Error(`internal: unknown type key ${key}`);
    return this.buildNamed(decl);
  }

  /** Every type key directly referenced by a type's metadata. */
  static refs(meta: TypeMeta): string[] {
    if (meta.kind === 'simple') return meta.list ? [meta.list] : [];
    const out = meta.fields.filter((f) => f.kind !== 'any').map((f) => f.type);
    if (meta.simpleContent) out.push(meta.simpleContent);
    return out;
  }

  // ------------------------------------------------------------------ references

  /** Resolves a `type=`/`base=`/`itemType=` QName to a key, checking that it exists. */
  private typeRef(value: string, node: XNode, doc: SchemaDoc): string {
    const q = this.set.resolveQName(value, node, doc);
    const { ns, local } = splitClark(q);
    if (ns === XS) {
      if (BUILTINS.has(local)) return `xs:${local}`;
      const alias = BUILTIN_ALIASES[local];
      if (alias) return `xs:${alias}`;
      throw new ContractError(doc.file, node.line, value, `unknown XML Schema built-in type "${value}"`);
    }
    if (!this.set.lookup('type', q)) {
      throw new ContractError(doc.file, node.line, value, `unresolved type "${value}" (${q})`);
    }
    return q;
  }

  private anonKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string {
    const existing = this.anonKeys.get(node);
    if (existing) return existing;
    const key = `${clark(owner.ns, owner.name)}#${global ? '' : owner.path}`;
    const prior = this.keyNodes.get(key);
    if (prior && prior !== node) {
      throw new ContractError(doc.file, node.line, key, `two anonymous types map to the same key "${key}" (also ${prior.file}:${prior.line})`);
    }
    this.keyNodes.set(key, node);
    this.anonKeys.set(node, key);
    this.anonPending.set(key, { node, doc, owner });
    return key;
  }

  /** Type key of an element declaration (global or local, not a ref). */
  private elementDeclTypeKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string {
    const type = attr(node, 'type');
    if (type) return this.typeRef(type, node, doc);
    const anon = node.children.find((c) => isXs(c, 'complexType') || isXs(c, 'simpleType'));
    if (anon) return this.anonKey(anon, doc, owner, global);
    const sg = attr(node, 'substitutionGroup');
    if (sg) {
      const head = this.globalElement(sg, node, doc);
      return this.elementTypeKey(head);
    }
    return 'xs:anyType';
  }

  private globalElement(value: string, node: XNode, doc: SchemaDoc): Decl {
    const q = this.set.resolveQName(value, node, doc);
    const d = this.set.lookup('element', q);
    if (!d) throw new ContractError(doc.file, node.line, value, `unresolved element ref "${value}" (${q})`);
    return d;
  }

  // ------------------------------------------------------------------ building

  private buildNamed(decl: Decl): BuiltType {
    const { ns, local } = splitClark(decl.qname);
    return this.build(decl.qname, decl.node, decl.doc, { ns, name: local, path: '' }, local, false);
  }

  private buildAnonymous(key: string, node: XNode, doc: SchemaDoc, owner: Owner): BuiltType {
    this.anonPending.delete(key);
    const raw = [owner.name, ...owner.path.split('/').filter(Boolean).map((s) => s.replace(/^[@$]/, ''))].join('_');
    return this.build(key, node, doc, owner, raw, true);
  }

  private build(key: string, node: XNode, doc: SchemaDoc, owner: Owner, rawName: string, anonymous: boolean): BuiltType {
    if (this.building.has(key)) {
      throw new ContractError(doc.file, node.line, rawName, `circular type derivation involving "${rawName}"`);
    }
    this.building.add(key);
    try {
      const meta: TypeMeta = isXs(node, 'simpleType') ? this.simpleType(node, doc, owner) : this.complexType(node, doc, owner);
      const t: BuiltType = { key, ns: owner.ns, rawName, meta, file: doc.file, line: node.line, anonymous };
      this.types.set(key, t);
      return t;
    } finally {
      this.building.delete(key);
    }
  }

  // ------------------------------------------------------------------ simple types

  /** Metadata of a simple type key (built-in or defined). */
  private simpleMetaOf(key: string, node: XNode, doc: SchemaDoc): SimpleTypeMeta {
    if (key.startsWith('xs:')) {
      const b = key.slice(3);
      return { kind: 'simple', base: (b === 'anyType' ? 'anySimpleType' : b) as BuiltinType };
    }
    const t = this.ensure(key)!;
    if (t.meta.kind !== 'simple') {
      if (t.meta.simpleContent) return this.simpleMetaOf(t.meta.simpleContent, node, doc);
      throw new ContractError(doc.file, node.line, t.rawName, `"${t.rawName}" is a complex type where a simple type is required`);
    }
    return t.meta;
  }

  private simpleType(node: XNode, doc: SchemaDoc, owner: Owner): SimpleTypeMeta {
    for (const c of node.children) {
      if (isXs(c, 'restriction')) return this.simpleRestriction(c, doc, owner);
      if (isXs(c, 'list')) {
        const itemType = attr(c, 'itemType');
        let item: string;
        if (itemType) item = this.typeRef(itemType, c, doc);
        else {
          const anon = c.children.find((x) => isXs(x, 'simpleType'));
          if (!anon) throw new ContractError(doc.file, c.line, 'xs:list', 'xs:list without itemType');
          item = this.anonKey(anon, doc, { ...owner, path: joinPath(owner.path, '$item') }, false);
        }
        this.ensure(item);
        return { kind: 'simple', base: 'string', list: item };
      }
      if (isXs(c, 'union')) {
        // union → string; still check the member types resolve
        for (const m of (attr(c, 'memberTypes') ?? '').split(/\s+/).filter(Boolean)) this.typeRef(m, c, doc);
        return { kind: 'simple', base: 'string' };
      }
    }
    throw new ContractError(doc.file, node.line, 'xs:simpleType', 'xs:simpleType without restriction, list or union');
  }

  private simpleRestriction(r: XNode, doc: SchemaDoc, owner: Owner, baseOverride?: string): SimpleTypeMeta {
    let baseKey = baseOverride;
    if (!baseKey) {
      const base = attr(r, 'base');
      if (base) baseKey = this.typeRef(base, r, doc);
      else {
        const anon = r.children.find((x) => isXs(x, 'simpleType'));
        if (!anon) throw new ContractError(doc.file, r.line, 'xs:restriction', 'xs:restriction without base');
        baseKey = this.anonKey(anon, doc, { ...owner, path: joinPath(owner.path, '$base') }, false);
      }
    }
    const base = this.simpleMetaOf(baseKey, r, doc);
    const out: SimpleTypeMeta = { ...base };
    const enums: string[] = [];
    const patterns: string[] = [];
    for (const f of r.children) {
      if (f.ns !== XS) continue;
      const v = attr(f, 'value');
      if (v === undefined) continue;
      switch (f.local) {
        case 'enumeration': enums.push(v); break;
        case 'pattern': patterns.push(v); break;
        case 'minLength': out.minLength = Number(v); break;
        case 'maxLength': out.maxLength = Number(v); break;
        case 'length': out.length = Number(v); break;
        case 'minInclusive': out.minInclusive = v; break;
        case 'maxInclusive': out.maxInclusive = v; break;
        case 'totalDigits': out.totalDigits = Number(v); break;
        case 'fractionDigits': out.fractionDigits = Number(v); break;
        default: break; // whiteSpace, min/maxExclusive: enforced by the XSD validator only
      }
    }
    if (enums.length) out.enumeration = enums;
    if (patterns.length) out.pattern = patterns;
    return out;
  }

  // ------------------------------------------------------------------ complex types

  private complexType(node: XNode, doc: SchemaDoc, owner: Owner): ComplexTypeMeta {
    const ctx = { choice: 0 };
    const fields: FieldMeta[] = [];
    const attrs: FieldMeta[] = [];
    let simpleContent: string | undefined;
    for (const c of node.children) {
      if (c.ns !== XS) continue;
      if (c.local === 'complexContent') {
        const d = c.children.find((x) => isXs(x, 'extension') || isXs(x, 'restriction'));
        if (!d) throw new ContractError(doc.file, c.line, 'xs:complexContent', 'xs:complexContent without extension or restriction');
        const baseAttr = attr(d, 'base');
        if (!baseAttr) throw new ContractError(doc.file, d.line, `xs:${d.local}`, `xs:${d.local} without base`);
        const baseKey = this.typeRef(baseAttr, d, doc);
        let base: ComplexTypeMeta = { kind: 'complex', fields: [] };
        if (baseKey !== 'xs:anyType') {
          const bt = this.ensure(baseKey);
          if (!bt || bt.meta.kind !== 'complex') {
            throw new ContractError(doc.file, d.line, baseAttr, `complexContent base "${baseAttr}" is not a complex type`);
          }
          base = bt.meta;
        }
        const baseElems = base.fields.filter((f) => f.kind !== 'attribute');
        const baseAttrs = base.fields.filter((f) => f.kind === 'attribute');
        if (d.local === 'extension') {
          fields.push(...baseElems);
          ctx.choice = Math.max(0, ...baseElems.map((f) => f.choice ?? 0));
          attrs.push(...baseAttrs);
        } else {
          attrs.push(...baseAttrs);
        }
        this.content(d, doc, owner, ctx, fields, attrs);
        if (base.simpleContent) simpleContent = base.simpleContent;
      } else if (c.local === 'simpleContent') {
        const d = c.children.find((x) => isXs(x, 'extension') || isXs(x, 'restriction'));
        if (!d) throw new ContractError(doc.file, c.line, 'xs:simpleContent', 'xs:simpleContent without extension or restriction');
        const baseAttr = attr(d, 'base');
        if (!baseAttr) throw new ContractError(doc.file, d.line, `xs:${d.local}`, `xs:${d.local} without base`);
        const baseKey = this.typeRef(baseAttr, d, doc);
        let valueKey = baseKey;
        if (!baseKey.startsWith('xs:')) {
          const bt = this.ensure(baseKey)!;
          if (bt.meta.kind === 'complex') {
            if (!bt.meta.simpleContent) {
              throw new ContractError(doc.file, d.line, baseAttr, `simpleContent base "${baseAttr}" has no simple content`);
            }
            valueKey = bt.meta.simpleContent;
            attrs.push(...bt.meta.fields.filter((f) => f.kind === 'attribute'));
          }
        }
        if (d.local === 'restriction' && d.children.some((x) => x.ns === XS && x.local !== 'attribute' && x.local !== 'attributeGroup' && x.local !== 'anyAttribute' && x.local !== 'annotation')) {
          // facets on the value: an anonymous simple type `{ns}Owner#…$value`
          const key = `${clark(owner.ns, owner.name)}#${joinPath(owner.path, '$value')}`;
          const meta = this.simpleRestriction(d, doc, owner, valueKey);
          const raw = [owner.name, ...owner.path.split('/').filter(Boolean), 'value'].join('_');
          this.types.set(key, { key, ns: owner.ns, rawName: raw, meta, file: doc.file, line: d.line, anonymous: true });
          valueKey = key;
        } else {
          this.ensure(valueKey);
        }
        simpleContent = valueKey;
        this.attributes(d, doc, owner, attrs);
      } else {
        // sequence / choice / all / group / attributes directly in the complexType
        this.particle(c, doc, owner, ctx, { min: 1, max: 1 }, undefined, fields);
        this.attribute(c, doc, owner, attrs);
      }
    }
    const meta: ComplexTypeMeta = { kind: 'complex', fields: [...fields, ...attrs] };
    if (simpleContent) meta.simpleContent = simpleContent;
    return meta;
  }

  /** Children of an extension/restriction: particles and attributes. */
  private content(d: XNode, doc: SchemaDoc, owner: Owner, ctx: { choice: number }, fields: FieldMeta[], attrs: FieldMeta[]): void {
    for (const c of d.children) {
      if (c.ns !== XS) continue;
      this.particle(c, doc, owner, ctx, { min: 1, max: 1 }, undefined, fields);
      this.attribute(c, doc, owner, attrs);
    }
  }

  private attributes(d: XNode, doc: SchemaDoc, owner: Owner, attrs: FieldMeta[]): void {
    for (const c of d.children) if (c.ns === XS) this.attribute(c, doc, owner, attrs);
  }

  private occurs(n: XNode): Occ {
    const min = attr(n, 'minOccurs');
    const max = attr(n, 'maxOccurs');
    return { min: min === undefined ? 1 : Number(min), max: max === undefined ? 1 : max === 'unbounded' ? -1 : Number(max) };
  }

  private readonly groupStack: string[] = [];

  /** Flattens one particle (element, any, sequence, choice, all, group ref) into `out`. */
  private particle(n: XNode, doc: SchemaDoc, owner: Owner, ctx: { choice: number }, outer: Occ, choice: number | undefined, out: FieldMeta[]): void {
    if (n.ns !== XS) return;
    const own = this.occurs(n);
    const occ: Occ = { min: outer.min * own.min, max: mulMax(outer.max, own.max) };
    switch (n.local) {
      case 'sequence':
      case 'all':
        for (const c of n.children) this.particle(c, doc, owner, ctx, occ, choice, out);
        return;
      case 'choice': {
        const id = ++ctx.choice;
        const alternatives = n.children.filter((c) => c.ns === XS && c.local !== 'annotation').length;
        const inner: Occ = { min: alternatives > 1 ? 0 : occ.min, max: occ.max };
        for (const c of n.children) this.particle(c, doc, owner, ctx, inner, id, out);
        return;
      }
      case 'group': {
        const ref = attr(n, 'ref');
        if (!ref) return;
        const q = this.set.resolveQName(ref, n, doc);
        const g = this.set.lookup('group', q);
        if (!g) throw new ContractError(doc.file, n.line, ref, `unresolved group ref "${ref}" (${q})`);
        if (this.groupStack.includes(q)) throw new ContractError(doc.file, n.line, ref, `circular group reference "${ref}"`);
        this.groupStack.push(q);
        try {
          const { ns, local } = splitClark(q);
          for (const c of g.node.children) this.particle(c, g.doc, { ns, name: local, path: '' }, ctx, occ, choice, out);
        } finally {
          this.groupStack.pop();
        }
        return;
      }
      case 'any': {
        if (occ.max === 0) return;
        const f: FieldMeta = { name: '$any', kind: 'any', ns: attr(n, 'namespace') ?? '##any', type: '', min: occ.min, max: occ.max };
        if (choice !== undefined) f.choice = choice;
        out.push(f);
        return;
      }
      case 'element': {
        if (occ.max === 0) return;
        const ref = attr(n, 'ref');
        let f: FieldMeta;
        if (ref) {
          const d = this.globalElement(ref, n, doc);
          const { ns, local } = splitClark(d.qname);
          f = { name: local, kind: 'element', ns: ns || null, type: this.elementTypeKey(d), min: occ.min, max: occ.max };
        } else {
          const name = attr(n, 'name');
          if (!name) throw new ContractError(doc.file, n.line, 'xs:element', 'xs:element without name or ref');
          const form = attr(n, 'form');
          const qualified = form ? form === 'qualified' : doc.qualifiedElements;
          const type = this.elementDeclTypeKey(n, doc, { ...owner, path: joinPath(owner.path, name) }, false);
          f = { name, kind: 'element', ns: qualified && doc.tns ? doc.tns : null, type, min: occ.min, max: occ.max };
        }
        if (choice !== undefined) f.choice = choice;
        out.push(f);
        return;
      }
      default:
        return;
    }
  }

  private readonly attrGroupStack: string[] = [];

  private attribute(n: XNode, doc: SchemaDoc, owner: Owner, attrs: FieldMeta[]): void {
    if (n.ns !== XS) return;
    if (n.local === 'attributeGroup') {
      const ref = attr(n, 'ref');
      if (!ref) return;
      const q = this.set.resolveQName(ref, n, doc);
      const g = this.set.lookup('attributeGroup', q);
      if (!g) throw new ContractError(doc.file, n.line, ref, `unresolved attributeGroup ref "${ref}" (${q})`);
      if (this.attrGroupStack.includes(q)) throw new ContractError(doc.file, n.line, ref, `circular attributeGroup reference "${ref}"`);
      this.attrGroupStack.push(q);
      try {
        const { ns, local } = splitClark(q);
        for (const c of g.node.children) this.attribute(c, g.doc, { ns, name: local, path: '' }, attrs);
      } finally {
        this.attrGroupStack.pop();
      }
      return;
    }
    if (n.local !== 'attribute') return; // anyAttribute is ignored
    const use = attr(n, 'use') ?? 'optional';
    let name: string;
    let ns: string | null;
    let type: string;
    const ref = attr(n, 'ref');
    if (ref) {
      const q = this.set.resolveQName(ref, n, doc);
      const split = splitClark(q);
      name = split.local;
      ns = split.ns || null;
      if (split.ns === XML_NS) type = 'xs:string';
      else {
        const d = this.set.lookup('attribute', q);
        if (!d) throw new ContractError(doc.file, n.line, ref, `unresolved attribute ref "${ref}" (${q})`);
        type = this.attrDeclType(d.node, d.doc, { ns: split.ns, name: split.local, path: '' }, true);
      }
    } else {
      const nm = attr(n, 'name');
      if (!nm) throw new ContractError(doc.file, n.line, 'xs:attribute', 'xs:attribute without name or ref');
      name = nm;
      const form = attr(n, 'form');
      const qualified = form ? form === 'qualified' : doc.qualifiedAttributes;
      ns = qualified && doc.tns ? doc.tns : null;
      type = this.attrDeclType(n, doc, { ...owner, path: joinPath(owner.path, `@${name}`) }, false);
    }
    const i = attrs.findIndex((a) => a.name === name && a.ns === ns);
    if (use === 'prohibited') {
      if (i >= 0) attrs.splice(i, 1);
      return;
    }
    const f: FieldMeta = { name, kind: 'attribute', ns, type, min: use === 'required' ? 1 : 0, max: 1 };
    if (i >= 0) attrs[i] = f;
    else attrs.push(f);
  }

  private attrDeclType(n: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string {
    const type = attr(n, 'type');
    if (type) {
      const k = this.typeRef(type, n, doc);
      this.ensureSimple(k, n, doc);
      return k;
    }
    const anon = n.children.find((c) => isXs(c, 'simpleType'));
    if (anon) return this.anonKey(anon, doc, owner, global);
    return 'xs:anySimpleType';
  }

  private ensureSimple(key: string, n: XNode, doc: SchemaDoc): void {
    if (key.startsWith('xs:')) return;
    const decl = this.set.lookup('type', key);
    if (decl && !isXs(decl.node, 'simpleType')) {
      throw new ContractError(doc.file, n.line, key, `attribute type "${key}" is not a simple type`);
    }
  }
}
