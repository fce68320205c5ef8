/**
 * Complex types → ComplexTypeMeta: the content model flattened into fields in document order
 * (extension bases first, then elements and wildcards, then attributes), occurrences multiplied through
 * enclosing particles, choices numbered, group and attribute-group references inlined. The conventions
 * are in docs/codec-metadata.ts.md ("Compiler conventions").
 */
import type { BuiltType } from './built-type.js';
import { xsDocumentation } from './documentation.js';
import { ContractError } from './errors.js';
import { anonymousTypeKey, joinPath, type Owner } from './naming.js';
import type { ComplexTypeMeta, FieldMeta, SimpleTypeMeta } from './rivta.js';
import { splitClark, XML_NS, XS, type Decl, type SchemaDoc, type SchemaSet } from './schemaset.js';
import { attr, type XNode } from './xmltree.js';

/** What flattening a content model needs from the type builder (types.ts). */
export interface TypeResolver {
  readonly set: SchemaSet;
  typeRef(value: string, node: XNode, doc: SchemaDoc): string;
  ensure(key: string): BuiltType | undefined;
  elementTypeKey(decl: Decl): string;
  elementDeclTypeKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string;
  attributeDeclTypeKey(node: XNode, doc: SchemaDoc, owner: Owner, global: boolean): string;
  globalElement(value: string, node: XNode, doc: SchemaDoc): Decl;
  simpleRestriction(r: XNode, doc: SchemaDoc, owner: Owner, baseKey?: string): SimpleTypeMeta;
  register(key: string, owner: Owner, node: XNode, doc: SchemaDoc, meta: SimpleTypeMeta): void;
  documentField(field: FieldMeta, text: string | undefined): void;
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

const isXs = (n: XNode, local: string) => n.ns === XS && n.local === local;

export class ContentModel {
  private readonly groupStack: string[] = [];
  private readonly attrGroupStack: string[] = [];

  constructor(private readonly r: TypeResolver) {}

  complexType(node: XNode, doc: SchemaDoc, owner: Owner): ComplexTypeMeta {
    const ctx = { choice: 0 };
    const fields: FieldMeta[] = [];
    const attrs: FieldMeta[] = [];
    let simpleContent: string | undefined;
    for (const c of node.children) {
      if (c.ns !== XS) continue;
      if (c.local === 'complexContent') {
        const d = this.derivation(c, doc);
        const baseKey = this.r.typeRef(attr(d, 'base')!, d, doc);
        let base: ComplexTypeMeta = { kind: 'complex', fields: [] };
        if (baseKey !== 'xs:anyType') {
          const bt = this.r.ensure(baseKey);
          if (!bt || bt.meta.kind !== 'complex') {
            throw new ContractError(doc.file, d.line, attr(d, 'base')!, `complexContent base "${attr(d, 'base')}" is not a complex type`);
          }
          base = bt.meta;
        }
        const baseElems = base.fields.filter((f) => f.kind !== 'attribute');
        attrs.push(...base.fields.filter((f) => f.kind === 'attribute'));
        if (d.local === 'extension') {
          fields.push(...baseElems);
          ctx.choice = Math.max(0, ...baseElems.map((f) => f.choice ?? 0));
        }
        for (const x of d.children) {
          if (x.ns !== XS) continue;
          this.particle(x, doc, owner, ctx, { min: 1, max: 1 }, undefined, fields);
          this.attribute(x, doc, owner, attrs);
        }
        if (base.simpleContent) simpleContent = base.simpleContent;
      } else if (c.local === 'simpleContent') {
        const d = this.derivation(c, doc);
        simpleContent = this.simpleContent(d, doc, owner, attrs);
        for (const x of d.children) if (x.ns === XS) this.attribute(x, doc, owner, attrs);
      } else {
        // sequence / choice / all / group / attributes directly in the complexType
        this.particle(c, doc, owner, ctx, { min: 1, max: 1 }, undefined, fields);
        this.attribute(c, doc, owner, attrs);
      }
    }
    const all = [...fields, ...attrs];
    return simpleContent ? { kind: 'complex', fields: all, simpleContent } : { kind: 'complex', fields: all };
  }

  /** The xs:extension or xs:restriction of a complexContent/simpleContent, which must name its base. */
  private derivation(c: XNode, doc: SchemaDoc): XNode {
    const d = c.children.find((x) => isXs(x, 'extension') || isXs(x, 'restriction'));
    if (!d) throw new ContractError(doc.file, c.line, `xs:${c.local}`, `xs:${c.local} without extension or restriction`);
    if (!attr(d, 'base')) throw new ContractError(doc.file, d.line, `xs:${d.local}`, `xs:${d.local} without base`);
    return d;
  }

  /** The value type key of a simpleContent derivation (inherited attributes go to `attrs`). */
  private simpleContent(d: XNode, doc: SchemaDoc, owner: Owner, attrs: FieldMeta[]): string {
    const baseAttr = attr(d, 'base')!;
    const baseKey = this.r.typeRef(baseAttr, d, doc);
    let valueKey = baseKey;
    if (!baseKey.startsWith('xs:')) {
      const bt = this.r.ensure(baseKey)!;
      if (bt.meta.kind === 'complex') {
        if (!bt.meta.simpleContent) {
          throw new ContractError(doc.file, d.line, baseAttr, `simpleContent base "${baseAttr}" has no simple content`);
        }
        valueKey = bt.meta.simpleContent;
        attrs.push(...bt.meta.fields.filter((f) => f.kind === 'attribute'));
      }
    }
    const facets = d.children.some((x) => x.ns === XS && !['attribute', 'attributeGroup', 'anyAttribute', 'annotation'].includes(x.local));
    if (d.local === 'restriction' && facets) {
      // facets on the value: an anonymous simple type `{ns}Owner#…$value`
      const valueOwner = { ...owner, path: joinPath(owner.path, '$value') };
      const key = anonymousTypeKey(valueOwner, false);
      this.r.register(key, valueOwner, d, doc, this.r.simpleRestriction(d, doc, owner, valueKey));
      return key;
    }
    this.r.ensure(valueKey);
    return valueKey;
  }

  private occurs(n: XNode): Occ {
    const min = attr(n, 'minOccurs');
    const max = attr(n, 'maxOccurs');
    return { min: min === undefined ? 1 : Number(min), max: max === undefined ? 1 : max === 'unbounded' ? -1 : Number(max) };
  }

  /** Flattens one particle (element, any, sequence, choice, all, group ref) into `out`. */
  private particle(n: XNode, doc: SchemaDoc, owner: Owner, ctx: { choice: number }, outer: Occ, choice: number | undefined, out: FieldMeta[]): void {
    if (n.ns !== XS) return;
    const own = this.occurs(n);
    const occ: Occ = { min: outer.min * own.min, max: mulMax(outer.max, own.max) };
    const field = (f: Omit<FieldMeta, 'choice'>, text: string | undefined) => {
      const meta: FieldMeta = choice === undefined ? f : { ...f, choice };
      this.r.documentField(meta, text);
      out.push(meta);
    };
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
        const q = this.r.set.resolveQName(ref, n, doc);
        const g = this.r.set.lookup('group', q);
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
      case 'any':
        if (occ.max === 0) return;
        field({ name: '$any', kind: 'any', ns: attr(n, 'namespace') ?? '##any', type: '', min: occ.min, max: occ.max }, xsDocumentation(n));
        return;
      case 'element': {
        if (occ.max === 0) return;
        const ref = attr(n, 'ref');
        if (ref) {
          const d = this.r.globalElement(ref, n, doc);
          const { ns, local } = splitClark(d.qname);
          const type = this.r.elementTypeKey(d);
          field({ name: local, kind: 'element', ns: ns || null, type, min: occ.min, max: occ.max }, xsDocumentation(n) ?? xsDocumentation(d.node));
          return;
        }
        const name = attr(n, 'name');
        if (!name) throw new ContractError(doc.file, n.line, 'xs:element', 'xs:element without name or ref');
        const form = attr(n, 'form');
        const qualified = form ? form === 'qualified' : doc.qualifiedElements;
        const type = this.r.elementDeclTypeKey(n, doc, { ...owner, path: joinPath(owner.path, name) }, false);
        field({ name, kind: 'element', ns: qualified && doc.tns ? doc.tns : null, type, min: occ.min, max: occ.max }, xsDocumentation(n));
        return;
      }
      default:
        return;
    }
  }

  private attribute(n: XNode, doc: SchemaDoc, owner: Owner, attrs: FieldMeta[]): void {
    if (n.ns !== XS) return;
    if (n.local === 'attributeGroup') {
      const ref = attr(n, 'ref');
      if (!ref) return;
      const q = this.r.set.resolveQName(ref, n, doc);
      const g = this.r.set.lookup('attributeGroup', q);
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
    let text = xsDocumentation(n);
    const ref = attr(n, 'ref');
    if (ref) {
      const q = this.r.set.resolveQName(ref, n, doc);
      const split = splitClark(q);
      name = split.local;
      ns = split.ns || null;
      if (split.ns === XML_NS) type = 'xs:string';
      else {
        const d = this.r.set.lookup('attribute', q);
        if (!d) throw new ContractError(doc.file, n.line, ref, `unresolved attribute ref "${ref}" (${q})`);
        type = this.r.attributeDeclTypeKey(d.node, d.doc, { ns: split.ns, name: split.local, path: '' }, true);
        text ??= xsDocumentation(d.node);
      }
    } else {
      const nm = attr(n, 'name');
      if (!nm) throw new ContractError(doc.file, n.line, 'xs:attribute', 'xs:attribute without name or ref');
      name = nm;
      const form = attr(n, 'form');
      const qualified = form ? form === 'qualified' : doc.qualifiedAttributes;
      ns = qualified && doc.tns ? doc.tns : null;
      type = this.r.attributeDeclTypeKey(n, doc, { ...owner, path: joinPath(owner.path, `@${name}`) }, false);
    }
    const i = attrs.findIndex((a) => a.name === name && a.ns === ns);
    if (use === 'prohibited') {
      if (i >= 0) attrs.splice(i, 1);
      return;
    }
    const f: FieldMeta = { name, kind: 'attribute', ns, type, min: use === 'required' ? 1 : 0, max: 1 };
    this.r.documentField(f, text);
    if (i >= 0) attrs[i] = f;
    else attrs.push(f);
  }
}
