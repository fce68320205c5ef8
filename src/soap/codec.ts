/**
 * Decode parsed XML to plain objects and encode plain objects to XML text, driven by the generated
 * contract metadata (contracts/rivta.ts). Everything that can be precomputed is computed once per
 * contract (per type, lazily on first use): child lookup maps for decoding, prefixed tag names and
 * field plans for encoding. Qualified elements are written in their own namespace (the node-soap
 * #604 bug), in the content-model order of the XSD.
 */
import type { AnyElement, BuiltinType, ComplexTypeMeta, ContractDefinition, FieldMeta, TypeMeta } from '../../contracts/rivta.js';
import { escapeAttr, escapeText } from './escape.js';
import { CapturedElement, type Fragments } from './any-element.js';
import type { XmlElement } from './xml.js';

type Kind = 'string' | 'collapse' | 'boolean' | 'number' | 'float';

/** Builtins decoded to JS numbers (TS `number`); the unbounded / 64-bit integers and decimal stay strings. */
const NUMBER_BUILTINS = new Set<string>(['int', 'short', 'byte', 'unsignedInt', 'unsignedShort', 'unsignedByte']);
const FLOAT_BUILTINS = new Set<string>(['float', 'double']);
/** Builtins whose whitespace facet is not "collapse". */
const PRESERVE_BUILTINS = new Set<string>(['string', 'normalizedString', 'anyType', 'anySimpleType']);

function kindOfBuiltin(b: string): Kind {
  if (b === 'boolean') return 'boolean';
  if (NUMBER_BUILTINS.has(b)) return 'number';
  if (FLOAT_BUILTINS.has(b)) return 'float';
  if (PRESERVE_BUILTINS.has(b)) return 'string';
  return 'collapse';
}

interface SimplePlan {
  readonly simple: true;
  readonly kind: Kind;
  /** Set for xs:list: the item plan. */
  readonly list?: SimplePlan;
}

interface FieldPlan {
  readonly meta: FieldMeta;
  readonly name: string;
  readonly array: boolean;
  /** Prefixed tag for encoding (`ns3:code` or `code`). */
  readonly tag: string;
  /** Resolved lazily (types may be recursive). */
  type: SimplePlan | ComplexPlan | undefined;
  readonly typeKey: string;
}

interface ComplexPlan {
  readonly simple: false;
  readonly key: string;
  readonly elements: readonly FieldPlan[];
  readonly attributes: readonly FieldPlan[];
  /** Decode lookup: namespace ('' for none) → local name → element field (no key string built per element). */
  readonly byNs: ReadonlyMap<string, ReadonlyMap<string, FieldPlan>>;
  /** Decode lookup for attributes: Clark name → field. */
  readonly attrByQName: ReadonlyMap<string, FieldPlan>;
  readonly hasAny: boolean;
  readonly simpleContent: SimplePlan | undefined;
}

class CodecError extends Error {}

/** Values marked by immutable(): deeply frozen, so an encoding of one never changes. */
const IMMUTABLE = new WeakSet<object>();

/**
 * Deep-freezes `value` and marks it, so that every ContractCodec may keep its encoding (by identity)
 * and write the same XML text again instead of encoding it again. For content that is served many
 * times and replaced rather than changed, such as the FMB snapshot's diagnoses (docs/performance.md).
 */
export function immutable<T extends object>(value: T): T {
  const seen = new Set<object>();
  const freeze = (v: unknown): void => {
    // An already frozen object may still hold mutable children, so every object is walked once.
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    Object.freeze(v);
    for (const child of Object.values(v)) freeze(child);
  };
  freeze(value);
  IMMUTABLE.add(value);
  return value;
}

const clark = (ns: string | null, local: string): string => (ns ? `{${ns}}${local}` : local);

export function parseClark(q: string): { ns: string; local: string } {
  if (q.charCodeAt(0) !== 123 /* { */) return { ns: '', local: q };
  const i = q.indexOf('}');
  return { ns: q.slice(1, i), local: q.slice(i + 1) };
}

/** One codec per contract; all plans are cached on it. */
export class ContractCodec {
  private readonly plans = new Map<string, SimplePlan | ComplexPlan>();
  /** namespace → prefix, fixed per contract. */
  private readonly prefixes = new Map<string, string>();
  /** The XML of immutable() values already encoded by this codec, with the tag they were encoded as. */
  private readonly encoded = new WeakMap<object, { readonly tag: string; readonly xml: string }>();
  /** `xmlns:ns1="…" xmlns:ns2="…"` declaring every namespace of the contract's types. */
  readonly nsDeclarations: string;

  constructor(readonly contract: ContractDefinition) {
    const namespaces = new Set<string>();
    const addNs = (q: string) => {
      const { ns } = parseClark(q);
      if (ns) namespaces.add(ns);
    };
    for (const op of contract.operations) {
      addNs(op.request.element);
      addNs(op.response.element);
      for (const h of op.headers) addNs(h.element);
    }
    for (const t of Object.values(contract.types)) {
      if (t.kind !== 'complex') continue;
      for (const f of t.fields) if (f.kind === 'element' && f.ns) namespaces.add(f.ns);
    }
    let i = 0;
    for (const ns of [...namespaces].sort()) this.prefixes.set(ns, `ns${++i}`);
    this.nsDeclarations = [...this.prefixes].map(([ns, p]) => ` xmlns:${p}="${escapeAttr(ns)}"`).join('');
  }

  prefixedName(ns: string | null, local: string): string {
    if (!ns) return local;
    const p = this.prefixes.get(ns);
    if (!p) throw new CodecError(`namespace ${ns} is not used by contract ${this.contract.name}`);
    return `${p}:${local}`;
  }

  private plan(typeKey: string): SimplePlan | ComplexPlan {
    const cached = this.plans.get(typeKey);
    if (cached) return cached;
    let plan: SimplePlan | ComplexPlan;
    if (typeKey.startsWith('xs:')) {
      plan = { simple: true, kind: kindOfBuiltin(typeKey.slice(3)) };
    } else {
      const meta: TypeMeta | undefined = this.contract.types[typeKey];
      if (!meta) throw new CodecError(`unknown type ${typeKey} in contract ${this.contract.name}`);
      if (meta.kind === 'simple') {
        plan = meta.list
          ? { simple: true, kind: 'string', list: this.plan(meta.list) as SimplePlan }
          : { simple: true, kind: kindOfBuiltin(meta.base as BuiltinType) };
      } else {
        plan = this.complexPlan(typeKey, meta);
      }
    }
    this.plans.set(typeKey, plan);
    return plan;
  }

  private complexPlan(key: string, meta: ComplexTypeMeta): ComplexPlan {
    const elements: FieldPlan[] = [];
    const attributes: FieldPlan[] = [];
    const byNs = new Map<string, Map<string, FieldPlan>>();
    const attrByQName = new Map<string, FieldPlan>();
    let hasAny = false;
    for (const f of meta.fields) {
      if (f.kind === 'any') {
        hasAny = true;
        continue;
      }
      const fp: FieldPlan = {
        meta: f,
        name: f.name,
        array: f.max === -1 || f.max > 1,
        tag: f.kind === 'element' ? this.prefixedName(f.ns, f.name) : f.name,
        type: undefined,
        typeKey: f.type,
      };
      if (f.kind === 'element') {
        elements.push(fp);
        const ns = f.ns ?? '';
        if (!byNs.has(ns)) byNs.set(ns, new Map());
        byNs.get(ns)!.set(f.name, fp);
      } else {
        attributes.push(fp);
        attrByQName.set(clark(f.ns, f.name), fp);
      }
    }
    const plan: ComplexPlan = {
      simple: false,
      key,
      elements,
      attributes,
      byNs,
      attrByQName,
      hasAny,
      simpleContent: undefined,
    };
    // simpleContent needs resolving after registration (cannot recurse, but keep uniform)
    this.plans.set(key, plan);
    if (meta.simpleContent) (plan as { simpleContent: SimplePlan | undefined }).simpleContent = this.plan(meta.simpleContent) as SimplePlan;
    return plan;
  }

  private fieldType(fp: FieldPlan): SimplePlan | ComplexPlan {
    return (fp.type ??= this.plan(fp.typeKey));
  }

  /** Builds every plan reachable from the operations now (start-up), so no request pays for it. */
  warm(): void {
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      const p = this.plan(key);
      if (!p.simple) for (const f of [...p.elements, ...p.attributes]) visit(f.typeKey), this.fieldType(f);
    };
    for (const op of this.contract.operations) {
      visit(op.request.type);
      visit(op.response.type);
      for (const h of op.headers) visit(h.type);
    }
  }

  // ---------------------------------------------------------------- decode

  /** Decodes an element by a type key (`{ns}Name` or `xs:<builtin>`). `source` is the parsed text, for xs:any. */
  decode(el: XmlElement, typeKey: string, source: string): unknown {
    return this.decodeWith(el, this.plan(typeKey), { source, declarations: new Map() });
  }

  private decodeWith(el: XmlElement, plan: SimplePlan | ComplexPlan, at: Fragments): unknown {
    if (plan.simple) return decodeSimple(el.text, plan);
    const out: Record<string, unknown> = {};
    for (const key in el.attributes) {
      const fp = plan.attrByQName.get(key);
      if (fp) out[fp.name] = decodeSimple(el.attributes[key]!, this.fieldType(fp) as SimplePlan);
    }
    if (plan.simpleContent) {
      out.$value = decodeSimple(el.text, plan.simpleContent);
      return out;
    }
    for (const child of el.children) {
      const fp = plan.byNs.get(child.ns)?.get(child.name);
      if (fp) {
        const v = this.decodeWith(child, this.fieldType(fp), at);
        if (fp.array) ((out[fp.name] as unknown[] | undefined) ?? (out[fp.name] = [])).push(v);
        else out[fp.name] = v;
      } else if (plan.hasAny) {
        ((out.$any as AnyElement[] | undefined) ?? (out.$any = [])).push(new CapturedElement(child, at));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- encode

  /**
   * Encodes a value as the element `elementQName` (Clark) of type `typeKey`. With `declareNamespaces`
   * the element carries the xmlns declarations of the whole contract (use it for the body root).
   */
  encodeElement(elementQName: string, typeKey: string, value: unknown, declareNamespaces = true): string {
    const { ns, local } = parseClark(elementQName);
    const tag = this.prefixedName(ns || null, local);
    const parts: string[] = [];
    this.encodeWith(tag, this.plan(typeKey), value, parts, declareNamespaces ? this.nsDeclarations : '');
    return parts.join('');
  }

  private encodeWith(tag: string, plan: SimplePlan | ComplexPlan, value: unknown, out: string[], decl: string): void {
    if (plan.simple) {
      out.push(`<${tag}${decl}>${escapeText(encodeSimple(value, plan))}</${tag}>`);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      throw new CodecError(`expected an object for <${tag}>, got ${value === null ? 'null' : typeof value}`);
    }
    const obj = value as Record<string, unknown>;
    if (IMMUTABLE.has(obj) && decl === '') {
      const memo = this.encoded.get(obj);
      if (memo?.tag === tag) {
        out.push(memo.xml);
        return;
      }
      const own: string[] = [];
      this.encodeComplex(tag, plan, obj, own, decl);
      const xml = own.join('');
      this.encoded.set(obj, { tag, xml });
      out.push(xml);
      return;
    }
    this.encodeComplex(tag, plan, obj, out, decl);
  }

  private encodeComplex(tag: string, plan: ComplexPlan, obj: Record<string, unknown>, out: string[], decl: string): void {
    let attrs = '';
    for (const fp of plan.attributes) {
      const v = obj[fp.name];
      if (v === undefined || v === null) continue;
      attrs += ` ${fp.name}="${escapeAttr(encodeSimple(v, this.fieldType(fp) as SimplePlan))}"`;
    }
    if (plan.simpleContent) {
      out.push(`<${tag}${decl}${attrs}>${escapeText(encodeSimple(obj.$value, plan.simpleContent))}</${tag}>`);
      return;
    }
    out.push(`<${tag}${decl}${attrs}>`);
    for (const fp of plan.elements) {
      const v = obj[fp.name];
      if (v === undefined || v === null) continue;
      const t = this.fieldType(fp);
      if (fp.array && Array.isArray(v)) {
        for (const item of v) if (item !== undefined && item !== null) this.encodeWith(fp.tag, t, item, out, '');
      } else {
        this.encodeWith(fp.tag, t, v, out, '');
      }
    }
    if (plan.hasAny) {
      const any = obj.$any;
      if (Array.isArray(any)) for (const a of any as AnyElement[]) if (a && typeof a.xml === 'string') out.push(a.xml);
    }
    out.push(`</${tag}>`);
  }
}

function collapse(s: string): string {
  // fast path: nothing to collapse
  const t = s.trim();
  return /\s\s|[\t\n\r]/.test(t) ? t.replace(/\s+/g, ' ') : t;
}

function decodeSimple(text: string, plan: SimplePlan): unknown {
  if (plan.list) {
    const items = collapse(text);
    return items === '' ? [] : items.split(' ').map((i) => decodeSimple(i, plan.list!));
  }
  switch (plan.kind) {
    case 'string':
      return text;
    case 'collapse':
      return collapse(text);
    case 'boolean': {
      const t = text.trim();
      return t === 'true' || t === '1';
    }
    case 'number':
      return Number(text.trim());
    case 'float': {
      const t = text.trim();
      return t === 'INF' ? Infinity : t === '-INF' ? -Infinity : Number(t);
    }
  }
}

function encodeSimple(value: unknown, plan: SimplePlan): string {
  if (plan.list) {
    if (!Array.isArray(value)) throw new CodecError('expected an array for an xs:list value');
    return value.map((v) => encodeSimple(v, plan.list!)).join(' ');
  }
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isFinite(value)) return String(value);
      if (plan.kind !== 'float') throw new CodecError(`${value} is not a valid integer`);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'INF' : '-INF';
    case 'bigint':
      return value.toString();
    default:
      if (value instanceof Date) return value.toISOString();
      throw new CodecError(`cannot encode a ${typeof value} as a simple value`);
  }
}
