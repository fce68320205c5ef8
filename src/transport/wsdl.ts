/**
 * `GET <endpoint>?wsdl` and `GET <endpoint>?xsd=<path>` (README, "Calling it"), as SKLTP VP serves them:
 * the WSDL's soap:address is the real URL, and every schemaLocation — in the WSDL and, recursively,
 * in every served XSD — points back at `<endpoint>?xsd=<path relative to the contract root>`, so a
 * client loading the WSDL by URL resolves every import over HTTP. The locations are absolute URLs
 * (Java's URI resolution mishandles query-only references), so each document is precomputed at
 * start-up as literal segments joined by the base URL; a request only joins strings.
 * Only the schemas the WSDL imports, directly or transitively, are served; everything else is 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContractDefinition } from '../../contracts/rivta.js';
import { escapeAttr } from '../soap/escape.js';

const SCHEMA_LOCATION_RE = /(\bschemaLocation\s*=\s*)(["'])([^"']*)\2/g;
/** `<soap:address location="…">`, `<soap12:address …>`: any `address` element's location attribute. */
const ADDRESS_RE = /(<(?:[A-Za-z_][\w.-]*:)?address\b[^>]*?\blocation\s*=\s*)(["'])([^"']*)\2/g;

interface Template {
  /** Literal segments; the base URL (endpoint URL without query) goes between consecutive ones. */
  readonly segments: readonly string[];
}

export interface ServedDocument {
  readonly body: string;
  readonly contentType: string;
}

const CONTENT_TYPE = 'text/xml; charset=utf-8';

export class ContractDocuments {
  private readonly wsdl: Template;
  private readonly schemas = new Map<string, Template>();
  private readonly cache = new Map<string, string>();

  /** `contractRoot`: the directory with wsdl/ and schemas/. Throws if a file is unreadable. */
  constructor(
    readonly contract: ContractDefinition,
    readonly contractRoot: string,
  ) {
    const root = path.resolve(contractRoot);
    const toRel = (abs: string): string | undefined => {
      const rel = path.relative(root, abs);
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
      return rel.split(path.sep).join('/');
    };
    const pending: string[] = [];
    const known = new Set<string>(contract.schemaFiles);
    const rewrite = (relFile: string, isWsdl: boolean): Template => {
      const abs = path.join(root, relFile);
      const text = fs.readFileSync(abs, 'utf8');
      const marks: Array<{ index: number; length: number; before: string; after: string }> = [];
      SCHEMA_LOCATION_RE.lastIndex = 0;
      for (let m; (m = SCHEMA_LOCATION_RE.exec(text)); ) {
        const loc = m[3]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) continue; // absolute URL: leave it
        const target = toRel(path.resolve(path.dirname(abs), decodeURIComponentSafe(loc)));
        if (!target || !fs.existsSync(path.join(root, target))) continue;
        if (!known.has(target)) known.add(target);
        if (!this.schemas.has(target) && !pending.includes(target)) pending.push(target);
        marks.push({
          index: m.index,
          length: m[0].length,
          before: `${m[1]}${m[2]}`,
          after: `?xsd=${escapeAttr(encodeXsdParam(target))}${m[2]}`,
        });
      }
      if (isWsdl) {
        ADDRESS_RE.lastIndex = 0;
        for (let m; (m = ADDRESS_RE.exec(text)); ) {
          marks.push({ index: m.index, length: m[0].length, before: `${m[1]}${m[2]}`, after: m[2]! });
        }
      }
      marks.sort((a, b) => a.index - b.index);
      const segments: string[] = [];
      let cursor = 0;
      let current = '';
      for (const mk of marks) {
        current += text.slice(cursor, mk.index) + mk.before;
        segments.push(current);
        current = mk.after;
        cursor = mk.index + mk.length;
      }
      segments.push(current + text.slice(cursor));
      return { segments };
    };
    this.wsdl = rewrite(contract.wsdlFile, true);
    for (const f of contract.schemaFiles) if (!pending.includes(f)) pending.push(f);
    while (pending.length > 0) {
      const f = pending.shift()!;
      if (this.schemas.has(f)) continue;
      if (!fs.existsSync(path.join(root, f))) continue;
      this.schemas.set(f, rewrite(f, false));
    }
  }

  /** The WSDL for a base URL (the endpoint URL without query). */
  wsdlFor(baseUrl: string): ServedDocument {
    return { body: this.render('', this.wsdl, baseUrl), contentType: CONTENT_TYPE };
  }

  /** A schema by its `?xsd=` parameter (already URL-decoded); undefined → 404. */
  xsdFor(param: string, baseUrl: string): ServedDocument | undefined {
    const t = this.schemas.get(param);
    if (!t) return undefined;
    return { body: this.render(param, t, baseUrl), contentType: CONTENT_TYPE };
  }

  /** Paths served under `?xsd=`. */
  get schemaPaths(): string[] {
    return [...this.schemas.keys()];
  }

  private render(key: string, t: Template, baseUrl: string): string {
    const cacheKey = key + '\u0000' + baseUrl;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const body = t.segments.join(escapeAttr(baseUrl));
    if (this.cache.size >= 256) this.cache.clear(); // base URLs come from config and allowed Hosts; stay bounded anyway
    this.cache.set(cacheKey, body);
    return body;
  }
}

function encodeXsdParam(rel: string): string {
  return encodeURIComponent(rel).replace(/%2F/g, '/');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `name[:port]` or `[IPv6][:port]`; anything else is not a Host we could ever accept. */
const HOST_RE = /^(?:([A-Za-z0-9][A-Za-z0-9.-]{0,252})|\[([0-9A-Fa-f:.]{2,45})\])(?::(\d{1,5}))?$/;
const HTTPS_DEFAULT_PORT = 443;

/** A host name as compared: lower case, an IPv6 literal without its brackets. */
function bareHost(name: string): string {
  const n = name.toLowerCase();
  return n.startsWith('[') && n.endsWith(']') ? n.slice(1, -1) : n;
}

/**
 * The endpoint's absolute URL, written into soap:address and every schemaLocation. `publicUrl` wins.
 * Without it, the request's Host is used only when its name is in `allowedHosts` and its port is the
 * port we listen on; anything else gets https://localhost:<listening port>. The URL is built from the
 * configured name and the port number, never from the caller's text (see README, Configuration reference).
 */
export function baseUrlFor(
  config: { readonly publicUrl: string | undefined; readonly allowedHosts: readonly string[] },
  host: string | undefined,
  listeningPort: number,
  endpointPath: string,
): string {
  if (config.publicUrl) return config.publicUrl + endpointPath;
  return `https://${allowedHostFor(config.allowedHosts, host, listeningPort) ?? 'localhost'}:${listeningPort}${endpointPath}`;
}

/** The allowed host name (IPv6 in brackets) that `host` names on `listeningPort`, else undefined. */
function allowedHostFor(allowedHosts: readonly string[], host: string | undefined, listeningPort: number): string | undefined {
  const m = host === undefined ? null : HOST_RE.exec(host);
  if (!m) return undefined;
  const port = m[3] === undefined ? HTTPS_DEFAULT_PORT : Number(m[3]);
  if (port !== listeningPort) return undefined;
  const name = bareHost(m[1] ?? m[2]!);
  const allowed = allowedHosts.find((a) => bareHost(a) === name);
  if (allowed === undefined) return undefined;
  return name.includes(':') ? `[${name}]` : name;
}
