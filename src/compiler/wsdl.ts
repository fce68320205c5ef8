/**
 * One WSDL 1.1 (SOAP 1.1, document/literal) → a contract model: operations with their request,
 * response and header elements resolved against the WSDL's schema closure.
 */
import path from 'node:path';
import { childDocumentation, xsDocumentation } from './documentation.js';
import { ContractError } from './errors.js';
import { clark, FileCache, SchemaSet, splitClark, XS } from './schemaset.js';
import { TypeBuilder, type BuiltType } from './types.js';
import { attr, type XNode } from './xmltree.js';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const REGISTRY_LOGICAL_ADDRESS = '{urn:riv:itintegration:registry:1}LogicalAddress';

interface HeaderPart {
  part: string;
  element: string;
  type: string;
  required: boolean;
}

interface Operation {
  name: string;
  soapAction: string;
  request: { element: string; type: string };
  response: { element: string; type: string };
  headers: HeaderPart[];
  /** For JSDoc only (not metadata). */
  docs: OperationDocs;
}

interface OperationDocs {
  /** The portType operation's wsdl:documentation, else the request element's xs:documentation. */
  readonly operation?: string;
  /** By header part name: the part's wsdl:documentation, else its element's xs:documentation. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface Contract {
  name: string;
  namespace: string;
  domain: string;
  major: number;
  minor: number;
  wsdlNamespace: string;
  serviceName: string;
  portName: string;
  bindingName: string;
  portTypeName: string;
  wsdlFile: string;
  schemaFiles: string[];
  operations: Operation[];
  /** Reachable types by key (sorted when emitted). */
  types: Map<string, BuiltType>;
  /** Namespace → files defining it, in this WSDL's closure. */
  filesByNamespace: Map<string, Set<string>>;
  /** The wsdl:definitions' wsdl:documentation, for JSDoc. */
  documentation?: string;
}

interface Part {
  name: string;
  element?: string;
  /** The element QName as written. */
  written?: string;
  line: number;
  documentation?: string;
}
interface Message {
  name: string;
  parts: Part[];
  line: number;
}

const isW = (n: XNode, local: string) => n.ns === WSDL_NS && n.local === local;
const isS = (n: XNode, local: string) => n.ns === SOAP_NS && n.local === local;

export function compileWsdl(wsdlAbs: string, cache: FileCache): Contract {
  const file = cache.rel(wsdlAbs);
  const root = cache.get(wsdlAbs);
  if (!isW(root, 'definitions')) throw new ContractError(file, root.line, root.local, 'not a WSDL 1.1 definitions document');
  const tns = attr(root, 'targetNamespace') ?? '';
  const set = new SchemaSet(cache);
  for (const t of root.children.filter((c) => isW(c, 'types'))) {
    for (const s of t.children) if (s.ns === XS && s.local === 'schema') set.addInline(s, wsdlAbs);
  }
  if (root.children.some((c) => isW(c, 'import'))) {
    const imp = root.children.find((c) => isW(c, 'import'))!;
    throw new ContractError(file, imp.line, attr(imp, 'location') ?? 'wsdl:import', 'wsdl:import is not supported (RIVTA WSDLs are single documents)');
  }
  const qn = (value: string, node: XNode) => {
    const i = value.indexOf(':');
    const prefix = i < 0 ? '' : value.slice(0, i);
    const ns = node.scope[prefix];
    if (ns === undefined && prefix) throw new ContractError(file, node.line, value, `undeclared namespace prefix "${prefix}" in "${value}"`);
    return clark(ns ?? '', i < 0 ? value : value.slice(i + 1));
  };
  const local = (value: string, node: XNode, what: string) => {
    const q = splitClark(qn(value, node));
    if (q.ns !== tns) throw new ContractError(file, node.line, value, `${what} "${value}" is not in the WSDL targetNamespace "${tns}"`);
    return q.local;
  };

  const messages = new Map<string, Message>();
  for (const m of root.children.filter((c) => isW(c, 'message'))) {
    const name = attr(m, 'name') ?? '';
    const parts = m.children
      .filter((p) => isW(p, 'part'))
      .map((p) => {
        const el = attr(p, 'element');
        if (!el && attr(p, 'type')) {
          throw new ContractError(file, p.line, attr(p, 'name') ?? '', `part "${attr(p, 'name')}" uses type= (rpc style); document/literal requires element=`);
        }
        const documentation = childDocumentation(p, WSDL_NS);
        return { name: attr(p, 'name') ?? '', line: p.line, ...(el ? { element: qn(el, p), written: el } : {}), ...(documentation ? { documentation } : {}) };
      });
    messages.set(name, { name, parts, line: m.line });
  }
  const portTypes = new Map<string, XNode>();
  for (const p of root.children.filter((c) => isW(c, 'portType'))) portTypes.set(attr(p, 'name') ?? '', p);
  const bindings = root.children.filter((c) => isW(c, 'binding') && c.children.some((x) => isS(x, 'binding')));
  if (!bindings.length) throw new ContractError(file, root.line, 'wsdl:binding', 'no SOAP 1.1 binding');

  // the binding named by the first SOAP 1.1 port, else the first SOAP binding
  let service: XNode | undefined;
  let port: XNode | undefined;
  let binding: XNode | undefined;
  for (const s of root.children.filter((c) => isW(c, 'service'))) {
    for (const p of s.children.filter((c) => isW(c, 'port'))) {
      if (binding || !p.children.some((x) => isS(x, 'address'))) continue;
      const bname = local(attr(p, 'binding') ?? '', p, 'binding');
      binding = bindings.find((b) => attr(b, 'name') === bname);
      if (!binding) throw new ContractError(file, p.line, attr(p, 'binding') ?? '', `port "${attr(p, 'name')}" names a binding "${attr(p, 'binding')}" that does not exist`);
      service = s;
      port = p;
    }
  }
  binding ??= bindings[0]!;
  const ptRef = attr(binding, 'type') ?? '';
  const portTypeName = local(ptRef, binding, 'portType');
  const portType = portTypes.get(portTypeName);
  if (!portType) throw new ContractError(file, binding.line, ptRef, `binding type "${ptRef}" names a portType that does not exist`);

  const builder = new TypeBuilder(set);
  const message = (ref: string, node: XNode): Message => {
    const name = local(ref, node, 'message');
    const m = messages.get(name);
    if (!m) throw new ContractError(file, node.line, ref, `message "${ref}" does not exist`);
    return m;
  };
  const elementOf = (q: string, line: number, shown: string) => {
    const d = set.lookup('element', q);
    if (!d) throw new ContractError(file, line, shown, `element "${shown}" (${q}) is not declared in any imported schema`);
    return { element: q, type: builder.elementTypeKey(d) };
  };
  const partOf = (m: Message, partName: string, node: XNode): Part => {
    const p = m.parts.find((x) => x.name === partName);
    if (!p) throw new ContractError(file, node.line, partName, `message "${m.name}" has no part "${partName}"`);
    return p;
  };
  const bodyOf = (m: Message, bindingIo: XNode | undefined, headerParts: Set<string>, node: XNode) => {
    const body = bindingIo?.children.find((x) => isS(x, 'body'));
    const named = body && attr(body, 'parts') !== undefined ? attr(body, 'parts')!.split(/\s+/).filter(Boolean) : undefined;
    const parts = named ? named.map((n) => partOf(m, n, body!)) : m.parts.filter((p) => !headerParts.has(p.name));
    if (parts.length !== 1) {
      throw new ContractError(file, (body ?? node).line, m.name, `message "${m.name}" must have exactly one body part (document/literal wrapped), found ${parts.length}`);
    }
    const p = parts[0]!;
    if (!p.element) throw new ContractError(file, p.line, p.name, `part "${p.name}" of message "${m.name}" has no element`);
    return elementOf(p.element, p.line, p.written!);
  };

  const operations: Operation[] = [];
  for (const bop of binding.children.filter((c) => isW(c, 'operation'))) {
    const opName = attr(bop, 'name') ?? '';
    const pop = portType.children.find((c) => isW(c, 'operation') && attr(c, 'name') === opName);
    if (!pop) throw new ContractError(file, bop.line, opName, `binding operation "${opName}" is not in portType "${portTypeName}"`);
    const pin = pop.children.find((c) => isW(c, 'input'));
    const pout = pop.children.find((c) => isW(c, 'output'));
    if (!pin || !attr(pin, 'message')) throw new ContractError(file, pop.line, opName, `operation "${opName}" has no input message`);
    if (!pout || !attr(pout, 'message')) throw new ContractError(file, pop.line, opName, `operation "${opName}" has no output message (one-way operations are not RIVTA)`);
    const inMsg = message(attr(pin, 'message')!, pin);
    const outMsg = message(attr(pout, 'message')!, pout);
    const bin = bop.children.find((c) => isW(c, 'input'));
    const bout = bop.children.find((c) => isW(c, 'output'));
    const headers: HeaderPart[] = [];
    const headerDocs = new Map<string, string>();
    const inHeaderParts = new Set<string>();
    for (const h of bin?.children.filter((c) => isS(c, 'header')) ?? []) {
      const m = attr(h, 'message') ? message(attr(h, 'message')!, h) : inMsg;
      const partName = attr(h, 'part') ?? '';
      const p = partOf(m, partName, h);
      if (m === inMsg) inHeaderParts.add(p.name);
      if (!p.element) throw new ContractError(file, p.line, p.name, `header part "${p.name}" has no element`);
      const el = elementOf(p.element, p.line, p.written!);
      const req = attr(h, `{${WSDL_NS}}required`);
      headers.push({ part: p.name, ...el, required: req !== undefined ? req === 'true' : el.element === REGISTRY_LOGICAL_ADDRESS });
      const headerDoc = p.documentation ?? xsDocumentation(set.lookup('element', el.element)!.node);
      if (headerDoc && !headerDocs.has(p.name)) headerDocs.set(p.name, headerDoc);
    }
    const outHeaderParts = new Set<string>(
      (bout?.children.filter((c) => isS(c, 'header')) ?? []).filter((h) => !attr(h, 'message') || message(attr(h, 'message')!, h) === outMsg).map((h) => attr(h, 'part') ?? ''),
    );
    const request = bodyOf(inMsg, bin, inHeaderParts, pin);
    const response = bodyOf(outMsg, bout, outHeaderParts, pout);
    const soapOp = bop.children.find((c) => isS(c, 'operation'));
    const opDoc = childDocumentation(pop, WSDL_NS) ?? xsDocumentation(set.lookup('element', request.element)!.node);
    const docs: OperationDocs = opDoc ? { operation: opDoc, headers: headerDocs } : { headers: headerDocs };
    operations.push({ name: opName, soapAction: (attr(soapOp ?? bop, 'soapAction') ?? '').replace(/^"(.*)"$/, '$1'), request, response, headers, docs });
  }
  if (!operations.length) throw new ContractError(file, binding.line, attr(binding, 'name') ?? '', 'binding has no operations');

  // reachable types
  const types = new Map<string, BuiltType>();
  const queue: string[] = [];
  for (const op of operations) queue.push(op.request.type, op.response.type, ...op.headers.map((h) => h.type));
  while (queue.length) {
    const key = queue.pop()!;
    if (key.startsWith('xs:') || types.has(key)) continue;
    const t = builder.ensure(key)!;
    types.set(key, t);
    queue.push(...TypeBuilder.refs(t.meta));
  }

  // names, namespaces, versions
  const firstOp = operations[0]!;
  const namespace = splitClark(firstOp.request.element).ns;
  const defName = attr(root, 'name');
  const name =
    (defName && defName.endsWith('Interaction') ? defName.slice(0, -'Interaction'.length) : undefined) ??
    (portTypeName.endsWith('ResponderInterface') ? portTypeName.slice(0, -'ResponderInterface'.length) : firstOp.name);
  const base = path.basename(wsdlAbs);
  const fv = /_(\d+)\.(\d+)_RIVTABP\d+\.wsdl$/i.exec(base);
  const nsMajor = /:(\d+)$/.exec(namespace) ?? /:(\d+):rivtabp\d+$/i.exec(tns);
  const major = fv ? Number(fv[1]) : nsMajor ? Number(nsMajor[1]) : 1;
  const minor = fv ? Number(fv[2]) : 0;
  const domain =
    /^urn:riv:(.+):[^:]+Responder:\d+$/.exec(namespace)?.[1] ??
    /^urn:riv:(.+):[^:]+:\d+:rivtabp\d+$/i.exec(tns)?.[1] ??
    'unknown';

  const documentation = childDocumentation(root, WSDL_NS);
  return {
    ...(documentation ? { documentation } : {}),
    name,
    namespace,
    domain,
    major,
    minor,
    wsdlNamespace: tns,
    serviceName: service ? attr(service, 'name') ?? '' : '',
    portName: port ? attr(port, 'name') ?? '' : '',
    bindingName: attr(binding, 'name') ?? '',
    portTypeName,
    wsdlFile: file,
    schemaFiles: [...set.files].sort(),
    operations,
    types,
    filesByNamespace: set.filesByNamespace,
  };
}
