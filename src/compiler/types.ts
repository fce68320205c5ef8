/**
 * XSD components → codec metadata (TypeMeta, the shape in rivta.ts) plus what the TypeScript renderer
 * needs besides: where a type is defined and its documentation. One TypeBuilder per WSDL closure
 * (SchemaSet). This file resolves references and builds simple types; complex content models are
 * flattened in content-model.ts.
 *
 * Type keys: `{ns}Name` for named types, `xs:<builtin>` for built-ins, and for anonymous types
 * `{ns}Owner#path` (naming.ts, anonymousTypeKey).
 */
import type { BuiltType, TypeDocs } from './built-type.js';
import { builtinOf } from './builtins.js';
import { ContentModel, type TypeResolver } from './content-model.js';
import { xsDocumentation } from './documentation.js';
import { ContractError } from './errors.js';
import { anonymousTypeKey, anonymousTypeRawName, joinPath, type Owner } from './naming.js';
import type { BuiltinType, FieldMeta, SimpleTypeMeta, TypeMeta } from './rivta.js';
import { splitClark, XS, type Decl, type SchemaDoc, type SchemaSet } from './schemaset.js';
import { attr, type XNode } from './xmltree.js';

export type { BuiltType } from './built-type.js';

const isXs = (n: XNode, local: string) => n.ns === XS && n.local === local;
const NO_DOCS: ReadonlyMap<string, string> = new Map();

export class TypeBuilder implements TypeResolver {
  readonly types = new Map<string, BuiltType>();
  private readonly anonKeys = new Map<XNode, string>();
  private readonly keyNodes = new Map<string, XNode>();
  private readonly building = new Set<string>();
  /** Anonymous definitions, by key, not yet built; `declDoc` is the declaring element's or attribute's. */
  private readonly anonPending = new Map<string, { node: XNode; doc: SchemaDoc; owner: Owner; declDoc: string | undefined }>();
  /** Documentation by metadata identity: a field or enumeration inherited by derivation keeps its text. */
  private readonly fieldDocs = new WeakMap<FieldMeta, string>();
  private readonly enumDocs = new WeakMap<readonly string[], ReadonlyMap<string, string>>();
  private readonly content = new ContentModel(this);

  constructor(readonly set: SchemaSet) {}

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
    if (anon) {
      this.anonPending.delete(key);
      return this.build(key, anon.node, anon.doc, anon.owner, anonymousTypeRawName(anon.owner), true, anon.declDoc);
    }
    const decl = this.set.lookup('type', key);
    if (!decl) throw new Error(`internal: unknown type key ${key}`);
    const { ns, local } = splitClark(decl.qname);
    return this.build(decl.qname, decl.node, decl.doc, { ns, name: local, path: '' }, local, false, undefined);
  }

  /** Every type key directly referenced by a type's metadata. */
  static refs(meta: TypeMeta): string[] {
    if (meta.kind === 'simple') return meta.list ? [meta.list] : [];
    const out = meta.fields.filter((f) => f.kind !== 'any').map((f) => f.type);
    if (meta.simpleContent) out.push(meta.simpleContent);
    return out;
  }

  // ------------------------------------------------------------------ references (TypeResolver)

  /** Resolves a `type=`/`base=`/`itemType=` QName to a key, checking that it exists. */
  typeRef(value: string, node: XNode, doc: SchemaDoc): string {
    const q = this.set.resolveQName(value, node, doc);
    const { ns, local } = splitClark(q);
    if (ns === XS) {
      const builtin = builtinOf(local);
      if (builtin) return `xs:${builtin}`;
      throw new ContractError(doc.file, node.line, value, `unknown XML Schema built-in type "${value}"`);
    }
    if (!this.set.lookup('type', q)) {
      throw new ContractError(doc.file, node.line, value, `unresolved type "${value}" (${q})`);
    }
    return q;
  }

  anonKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean, declDoc?: string): string {
    const existing = this.anonKeys.get(node);
    if (existing) return existing;
    const key = anonymousTypeKey(owner, global);
    const prior = this.keyNodes.get(key);
    if (prior && prior !== node) {
      throw new ContractError(doc.file, node.line, key, `two anonymous types map to the same key "${key}" (also ${prior.file}:${prior.line})`);
    }
    this.keyNodes.set(key, node);
    this.anonKeys.set(node, key);
    this.anonPending.set(key, { node, doc, owner, declDoc });
    return key;
  }

  /** Type key of an element declaration (global or local, not a ref). */
  elementDeclTypeKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string {
    const type = attr(node, 'type');
    if (type) return this.typeRef(type, node, doc);
    const anon = node.children.find((c) => isXs(c, 'complexType') || isXs(c, 'simpleType'));
    if (anon) return this.anonKey(anon, doc, owner, global, xsDocumentation(node));
    const sg = attr(node, 'substitutionGroup');
    if (sg) return this.elementTypeKey(this.globalElement(sg, node, doc));
    return 'xs:anyType';
  }

  /** Type key of an attribute declaration (global or local, not a ref); always a simple type. */
  attributeDeclTypeKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string {
    const type = attr(node, 'type');
    if (type) {
      const key = this.typeRef(type, node, doc);
      const decl = key.startsWith('xs:') ? undefined : this.set.lookup('type', key);
      if (decl && !isXs(decl.node, 'simpleType')) {
        throw new ContractError(doc.file, node.line, key, `attribute type "${key}" is not a simple type`);
      }
      return key;
    }
    const anon = node.children.find((c) => isXs(c, 'simpleType'));
    if (anon) return this.anonKey(anon, doc, owner, global, xsDocumentation(node));
    return 'xs:anySimpleType';
  }

  globalElement(value: string, node: XNode, doc: SchemaDoc): Decl {
    const q = this.set.resolveQName(value, node, doc);
    const d = this.set.lookup('element', q);
    if (!d) throw new ContractError(doc.file, node.line, value, `unresolved element ref "${value}" (${q})`);
    return d;
  }

  /** Records a field's documentation (from its declaration), if it has any. */
  documentField(field: FieldMeta, text: string | undefined): void {
    if (text) this.fieldDocs.set(field, text);
  }

  /** Adds a type built outside ensure(): the value type of a restricted simple content. */
  register(key: string, owner: Owner, node: XNode, doc: SchemaDoc, meta: SimpleTypeMeta): void {
    this.types.set(key, this.built(key, owner, anonymousTypeRawName(owner), meta, doc, node, true, undefined));
  }

  // ------------------------------------------------------------------ building

  private build(key: string, node: XNode, doc: SchemaDoc, owner: Owner, rawName: string, anonymous: boolean, declDoc: string | undefined): BuiltType {
    if (this.building.has(key)) {
      throw new ContractError(doc.file, node.line, rawName, `circular type derivation involving "${rawName}"`);
    }
    this.building.add(key);
    try {
      const meta: TypeMeta = isXs(node, 'simpleType') ? this.simpleType(node, doc, owner) : this.content.complexType(node, doc, owner);
      const t = this.built(key, owner, rawName, meta, doc, node, anonymous, xsDocumentation(node) ?? declDoc);
      this.types.set(key, t);
      return t;
    } finally {
      this.building.delete(key);
    }
  }

  private built(key: string, owner: Owner, rawName: string, meta: TypeMeta, doc: SchemaDoc, node: XNode, anonymous: boolean, text: string | undefined): BuiltType {
    const fields = new Map<FieldMeta, string>();
    if (meta.kind === 'complex') {
      for (const f of meta.fields) {
        const d = this.fieldDocs.get(f);
        if (d) fields.set(f, d);
      }
    }
    const enumeration = (meta.kind === 'simple' && meta.enumeration && this.enumDocs.get(meta.enumeration)) || NO_DOCS;
    const docs: TypeDocs = text ? { text, fields, enumeration } : { fields, enumeration };
    return { key, ns: owner.ns, rawName, meta, file: doc.file, line: node.line, anonymous, docs };
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

  /** A restriction's facets over its base (inherited facets first); `baseKey` when the base is implied. */
  simpleRestriction(r: XNode, doc: SchemaDoc, owner: Owner, baseKey?: string): SimpleTypeMeta {
    if (!baseKey) {
      const base = attr(r, 'base');
      if (base) baseKey = this.typeRef(base, r, doc);
      else {
        const anon = r.children.find((x) => isXs(x, 'simpleType'));
        if (!anon) throw new ContractError(doc.file, r.line, 'xs:restriction', 'xs:restriction without base');
        baseKey = this.anonKey(anon, doc, { ...owner, path: joinPath(owner.path, '$base') }, false);
      }
    }
    const out: { -readonly [K in keyof SimpleTypeMeta]: SimpleTypeMeta[K] } = { ...this.simpleMetaOf(baseKey, r, doc) };
    const enums: string[] = [];
    const enumDocs = new Map<string, string>();
    const patterns: string[] = [];
    for (const f of r.children) {
      if (f.ns !== XS) continue;
      const v = attr(f, 'value');
      if (v === undefined) continue;
      switch (f.local) {
        case 'enumeration': {
          enums.push(v);
          const text = xsDocumentation(f);
          if (text && !enumDocs.has(v)) enumDocs.set(v, text);
          break;
        }
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
    if (enums.length) {
      out.enumeration = enums;
      if (enumDocs.size) this.enumDocs.set(enums, enumDocs);
    }
    if (patterns.length) out.pattern = patterns;
    return out;
  }
}
