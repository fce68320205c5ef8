/**
 * Loading XSD documents (inline WSDL schemas, xs:import, xs:include incl. chameleon includes,
 * xs:redefine treated as include) into one symbol table per WSDL closure.
 */
import path from 'node:path';
import fs from 'node:fs';
import { ContractError } from './errors.js';
import { attr, parseXmlFile, type XNode } from './xmltree.js';

export const XS = 'http://www.w3.org/2001/XMLSchema';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface SchemaDoc {
  /** Path relative to the contract root, `/`-separated (the WSDL path for inline schemas). */
  readonly file: string;
  readonly root: XNode;
  /** Effective target namespace ('' for none; the includer's for a chameleon include). */
  readonly tns: string;
  /** True when the document had no targetNamespace and took the includer's (chameleon include). */
  readonly chameleon: boolean;
  readonly qualifiedElements: boolean;
  readonly qualifiedAttributes: boolean;
}

export interface Decl {
  readonly node: XNode;
  readonly doc: SchemaDoc;
  /** Clark name. */
  readonly qname: string;
}

export type SymbolSpace = 'type' | 'element' | 'group' | 'attributeGroup' | 'attribute';

export function clark(ns: string, local: string): string {
  return ns ? `{${ns}}${local}` : local;
}

export function splitClark(q: string): { ns: string; local: string } {
  if (q.startsWith('{')) {
    const i = q.indexOf('}');
    return { ns: q.slice(1, i), local: q.slice(i + 1) };
  }
  return { ns: '', local: q };
}

/** Parsed-file cache shared by every WSDL of one compiler run. */
export class FileCache {
  private readonly files = new Map<string, XNode>();
  constructor(readonly root: string) {}

  rel(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  get(abs: string): XNode {
    let n = this.files.get(abs);
    if (!n) {
      n = parseXmlFile(abs, this.rel(abs));
      this.files.set(abs, n);
    }
    return n;
  }
}

export class SchemaSet {
  readonly docs: SchemaDoc[] = [];
  /** Every schema file loaded (relative paths), excluding the WSDL itself. */
  readonly files = new Set<string>();
  private readonly tables: Record<SymbolSpace, Map<string, Decl>> = {
    type: new Map(),
    element: new Map(),
    group: new Map(),
    attributeGroup: new Map(),
    attribute: new Map(),
  };
  private readonly loaded = new Set<string>();
  /** Namespace → files (relative) that contribute components to it. */
  readonly filesByNamespace = new Map<string, Set<string>>();

  constructor(private readonly cache: FileCache) {}

  lookup(space: SymbolSpace, qname: string): Decl | undefined {
    return this.tables[space].get(qname);
  }

  /** Adds an inline schema of a WSDL (`wsdlAbs` is the WSDL file). */
  addInline(schemaNode: XNode, wsdlAbs: string): void {
    this.addDocument(schemaNode, wsdlAbs, undefined, true);
  }

  private addDocument(root: XNode, abs: string, chameleonTns: string | undefined, inline: boolean): void {
    const declared = attr(root, 'targetNamespace') ?? '';
    const tns = declared || chameleonTns || '';
    const key = `${abs}|${tns}|${inline ? root.line : ''}`;
    if (this.loaded.has(key)) return;
    this.loaded.add(key);
    const rel = this.cache.rel(abs);
    const doc: SchemaDoc = {
      file: rel,
      root,
      tns,
      chameleon: !declared && !!chameleonTns,
      qualifiedElements: attr(root, 'elementFormDefault') === 'qualified',
      qualifiedAttributes: attr(root, 'attributeFormDefault') === 'qualified',
    };
    this.docs.push(doc);
    if (!inline) this.files.add(rel);
    for (const child of root.children) {
      if (child.ns !== XS) continue;
      switch (child.local) {
        case 'import':
        case 'include':
        case 'redefine':
          this.follow(child, doc, abs);
          break;
        case 'complexType':
        case 'simpleType':
          this.register('type', child, doc);
          break;
        case 'element':
          this.register('element', child, doc);
          break;
        case 'group':
          this.register('group', child, doc);
          break;
        case 'attributeGroup':
          this.register('attributeGroup', child, doc);
          break;
        case 'attribute':
          this.register('attribute', child, doc);
          break;
        default:
          break;
      }
    }
  }

  private follow(node: XNode, doc: SchemaDoc, fromAbs: string): void {
    const loc = attr(node, 'schemaLocation');
    if (node.local === 'import') {
      const ns = attr(node, 'namespace') ?? '';
      if (!loc) return; // namespace must come from elsewhere; unresolved names are reported where used
      if (ns === XML_NS || ns === XS) return;
    } else if (!loc) {
      throw new ContractError(doc.file, node.line, `xs:${node.local}`, `xs:${node.local} without schemaLocation`);
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(loc!)) {
      throw new ContractError(doc.file, node.line, loc!, `remote schemaLocation "${loc}" is not supported (contracts must be self-contained)`);
    }
    const abs = path.resolve(path.dirname(fromAbs), loc!);
    if (!fs.existsSync(abs)) {
      throw new ContractError(doc.file, node.line, loc!, `xs:${node.local} schemaLocation "${loc}" not found (${this.cache.rel(abs)})`);
    }
    const root = this.cache.get(abs);
    const rel = this.cache.rel(abs);
    if (root.ns !== XS || root.local !== 'schema') {
      throw new ContractError(rel, root.line, loc!, `"${loc}" is not an XML Schema document`);
    }
    const theirTns = attr(root, 'targetNamespace') ?? '';
    if (node.local === 'import') {
      const ns = attr(node, 'namespace') ?? '';
      if (theirTns !== ns) {
        throw new ContractError(doc.file, node.line, loc!, `xs:import of "${loc}" declares namespace "${ns}" but the schema's targetNamespace is "${theirTns}"`);
      }
      this.addDocument(root, abs, undefined, false);
    } else {
      if (theirTns && theirTns !== doc.tns) {
        throw new ContractError(doc.file, node.line, loc!, `xs:${node.local} of "${loc}" with targetNamespace "${theirTns}" into namespace "${doc.tns}"`);
      }
      this.addDocument(root, abs, doc.tns, false);
    }
  }

  private register(space: SymbolSpace, node: XNode, doc: SchemaDoc): void {
    const name = attr(node, 'name');
    if (!name) throw new ContractError(doc.file, node.line, `xs:${node.local}`, `global xs:${node.local} without a name`);
    const qname = clark(doc.tns, name);
    const existing = this.tables[space].get(qname);
    if (existing) {
      if (existing.node === node) return;
      throw new ContractError(doc.file, node.line, name, `duplicate ${space} "${name}" in namespace "${doc.tns}" (also defined at ${existing.doc.file}:${existing.node.line})`);
    }
    this.tables[space].set(qname, { node, doc, qname });
    let files = this.filesByNamespace.get(doc.tns);
    if (!files) this.filesByNamespace.set(doc.tns, (files = new Set()));
    files.add(doc.file);
  }

  /** Resolves a QName-valued attribute in the scope of `node`. Returns a Clark name. */
  resolveQName(value: string, node: XNode, doc: SchemaDoc): string {
    const v = value.trim();
    const i = v.indexOf(':');
    const prefix = i < 0 ? '' : v.slice(0, i);
    const local = i < 0 ? v : v.slice(i + 1);
    let ns = node.scope[prefix];
    if (ns === undefined) {
      if (prefix) throw new ContractError(doc.file, node.line, v, `undeclared namespace prefix "${prefix}" in "${v}"`);
      ns = '';
    }
    if (!ns && doc.chameleon) ns = doc.tns;
    return clark(ns, local);
  }
}
