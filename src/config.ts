/**
 * The one configuration loader. Sources, highest precedence first:
 * environment variables, then the optional JSON file named by PRODUCER_CONFIG, then defaults.
 * Every option is listed in README.md ("Configuration reference"); keep the two in step.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type ValidationMode = 'off' | 'warn' | 'enforce';
export type ConsumerCategory =
  | 'PUBLIC_CARE_PROVIDER'
  | 'SUPERVISORY_AUTHORITY'
  | 'TRANSPORT_AUTHORITY'
  | 'CASE_SYSTEM'
  | 'CASE_VIEW'
  | 'MANDATE_REGISTER';
type SignaturePolicy = 'none' | 'optional' | 'required';
/** Whether the case hub needs a person's consent to store and show their cases (docs/hub-people.md#consent). */
type CaseConsentMode = 'required' | 'off';

/** One TAK row (tjänsteadresseringskatalog): who may call which contract at which logical address. */
export interface TakEntry {
  /** HSA-id of the (effective) service consumer. */
  readonly consumer: string;
  /** Responder namespace of the contract, e.g. urn:riv:itintegration:monitoring:PingForConfigurationResponder:1. */
  readonly contract: string;
  /** LogicalAddress, or '*' for every address this producer serves. */
  readonly logicalAddress: string;
}

export interface ConsumerRegistration {
  readonly category: ConsumerCategory;
  /** Organisation numbers this consumer may send case status for (CASE_SYSTEM). */
  readonly organisations?: readonly string[];
  readonly signaturePolicy?: SignaturePolicy;
  /** PEM file of the sender's registered signing certificate; relative paths resolve against the certs dir. */
  readonly signingCertificate?: string;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  /** Base URL written into soap:address; unset means "use the request's Host" when it is allowed. */
  readonly publicUrl: string | undefined;
  /** Host names whose Host header may be written into soap:address when publicUrl is unset (lower case). */
  readonly allowedHosts: readonly string[];
  readonly workers: number;
  readonly dataDir: string;
  readonly certsDir: string;
  /** Unset means embedded SQLite at <dataDir>/producer.sqlite. */
  readonly databaseUrl: string | undefined;
  readonly logicalAddresses: readonly string[];
  readonly tls: {
    readonly certFile: string;
    readonly keyFile: string;
    /** Trust store for client certificates. */
    readonly caFile: string;
    /** Certificate revocation list; unset disables revocation checks. */
    readonly crlFile: string | undefined;
  };
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly maxDepth: number;
    readonly maxElements: number;
    readonly maxAttributeBytes: number;
    readonly headersTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly maxConnections: number;
    /** A connection that has not completed its TLS handshake by then is closed. */
    readonly handshakeTimeoutMs: number;
    /** Connections still in the TLS handshake, capped apart from authenticated ones; the oldest is dropped when full. */
    readonly maxPendingHandshakes: number;
    /** Namespace declarations on one element (RP002 above). */
    readonly maxNsPerElement: number;
    /** Namespace declarations in one document (RP002 above). */
    readonly maxNsPerDocument: number;
    /** Occurrences of any one repeated request criterion (VALIDATION_ERROR above), checked by the handlers. */
    readonly maxCriteria: number;
  };
  readonly validation: {
    readonly defaultMode: ValidationMode;
    /** Per contract name (e.g. "GetDiagnosis") or responder namespace. */
    readonly contracts: Readonly<Record<string, ValidationMode>>;
  };
  /** HSA-ids of trusted routing nodes, whose x-rivta-original-serviceconsumer-hsaid header is honoured. */
  readonly routingNodes: readonly string[];
  readonly tak: readonly TakEntry[];
  readonly consumers: Readonly<Record<string, ConsumerRegistration>>;
  readonly logLevel: string;
  readonly demoData: boolean;
  /**
   * `required`: a person's cases are stored and shown only with their active consent; `off` lifts that rule
   * for pushes and reads (consent is still reported, and a revocation still erases). docs/hub-people.md#consent.
   */
  readonly caseConsent: CaseConsentMode;
  /** Days a CLOSED case is kept; undefined keeps it forever. */
  readonly caseRetentionDays: number | undefined;
  /** File holding the case-hub data keys (AES-256-GCM and HMAC); generated in development. */
  readonly keysFile: string;
  readonly notifier: {
    readonly kind: 'log' | 'webhook';
    readonly webhookUrl: string | undefined;
    /** Trust store (PEM) for the webhook receiver's HTTPS certificate; undefined = Node's bundled public CAs. */
    readonly webhookCaFile: string | undefined;
    /** HMAC key that signs every delivery; undefined = the development secret file below. */
    readonly webhookSecret: string | undefined;
    /** The development webhook secret, generated by `npm start` and read by `npm run view`. */
    readonly webhookSecretFile: string;
  };
  /** The case view (`npm run view`): a consumer of the hub, never of the database (README, "The case view"). */
  readonly view: {
    readonly host: string;
    readonly port: number;
    /** Base URL of the hub it calls over mutual TLS with the case-view certificate. */
    readonly producerUrl: string;
    readonly logicalAddress: string;
    /** Checks the webhook's signature; undefined = the development secret file (notifier.webhookSecretFile). */
    readonly webhookSecret: string | undefined;
  };
  readonly shutdownTimeoutMs: number;
  /** Key (hex or base64, ≥ 32 bytes) for hashing identity numbers in the audit trail; undefined = <dataDir>/audit-hmac.key. */
  readonly auditHmacKey: string | undefined;
  /** SearchPersonnel access-profile overrides per consumer category (validated by the personnel module at start). */
  readonly personnelAccessProfiles: Readonly<Record<string, readonly string[] | null>> | undefined;
  /**
   * True only inside `npm run bench`, to measure what durability costs: commits are not synced (SQLite
   * `synchronous=OFF`, PostgreSQL `synchronous_commit=off`). Never a production option; see BENCH_MARKER.
   */
  readonly benchNoDurability: boolean;
}

/** HSA-ids of the development PKI (README, "Development PKI"). */
export const DEV_HSA = {
  journalSystem: 'SE5599999991-1001',
  supervisor: 'SE5599999991-1002',
  transportAuthority: 'SE5599999991-1003',
  routingNode: 'SE5599999991-1004',
  caseSystem: 'SE5599999991-1005',
  caseView: 'SE5599999991-1006',
  mandateRegister: 'SE5599999991-1011',
  caseSystem2: 'SE5599999991-1012',
} as const;

/**
 * The responder namespace of every contract the producer serves; a key without a version suffix is major 1
 * (PushCaseStatus and GetCaseOverview 1 are deprecated, served beside their major 2 for consumers that have
 * not moved). test/config-hub.test.ts checks this list against the compiled contracts.
 */
export const CONTRACT_NAMESPACES = {
  GetDiagnosis: 'urn:riv:processmanagement:decisionsupport:insurancemedicine:GetDiagnosisResponder:1',
  GetDecisionSupport: 'urn:riv:processmanagement:decisionsupport:insurancemedicine:GetDecisionSupportResponder:1',
  SearchPersonnel: 'urn:riv:masterdata:organisationalresources:licensetopractice:SearchPersonnelResponder:1',
  PushCaseStatus: 'urn:riv:casemanagement:caseoverview:PushCaseStatusResponder:1',
  PushCaseStatusV2: 'urn:riv:casemanagement:caseoverview:PushCaseStatusResponder:2',
  GetCaseOverview: 'urn:riv:casemanagement:caseoverview:GetCaseOverviewResponder:1',
  GetCaseOverviewV2: 'urn:riv:casemanagement:caseoverview:GetCaseOverviewResponder:2',
  UpdateCaseOverviewConsent: 'urn:riv:casemanagement:caseoverview:UpdateCaseOverviewConsentResponder:1',
  UpdateMandate: 'urn:riv:casemanagement:caseoverview:UpdateMandateResponder:1',
  GetMandates: 'urn:riv:casemanagement:caseoverview:GetMandatesResponder:1',
  PingForConfiguration: 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1',
} as const;

/** The development TAK (README, "Development PKI"), on every served logical address. */
function developmentTak(): TakEntry[] {
  const grants: Array<[string, Array<keyof typeof CONTRACT_NAMESPACES>]> = [
    [DEV_HSA.journalSystem, ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PingForConfiguration']],
    [DEV_HSA.supervisor, ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PingForConfiguration']],
    [DEV_HSA.transportAuthority, ['SearchPersonnel', 'PingForConfiguration']],
    [DEV_HSA.caseSystem, ['PushCaseStatus', 'PushCaseStatusV2', 'PingForConfiguration']],
    [DEV_HSA.caseSystem2, ['PushCaseStatus', 'PushCaseStatusV2', 'PingForConfiguration']],
    [DEV_HSA.caseView, ['GetCaseOverview', 'GetCaseOverviewV2', 'UpdateCaseOverviewConsent', 'GetMandates', 'PingForConfiguration']],
    [DEV_HSA.mandateRegister, ['UpdateMandate', 'PingForConfiguration']],
    [DEV_HSA.routingNode, ['PingForConfiguration']],
  ];
  return grants.flatMap(([consumer, contracts]) =>
    contracts.map((c) => ({ consumer, contract: CONTRACT_NAMESPACES[c], logicalAddress: '*' })),
  );
}

function developmentConsumers(): Record<string, ConsumerRegistration> {
  return {
    [DEV_HSA.journalSystem]: { category: 'PUBLIC_CARE_PROVIDER' },
    [DEV_HSA.supervisor]: { category: 'SUPERVISORY_AUTHORITY' },
    [DEV_HSA.transportAuthority]: { category: 'TRANSPORT_AUTHORITY' },
    [DEV_HSA.caseSystem]: {
      category: 'CASE_SYSTEM',
      organisations: ['5599999991'],
      signaturePolicy: 'optional',
      signingCertificate: 'case-system.crt',
    },
    // 5599999992 fails the organisation-number check digit on purpose: a sender's number is checked for its
    // form and against this registry only (docs/hub-people.md#sender-organisation-numbers).
    [DEV_HSA.caseSystem2]: {
      category: 'CASE_SYSTEM',
      organisations: ['5599999992'],
      signaturePolicy: 'optional',
      signingCertificate: 'case-system-2.crt',
    },
    [DEV_HSA.caseView]: { category: 'CASE_VIEW' },
    [DEV_HSA.mandateRegister]: { category: 'MANDATE_REGISTER' },
  };
}

export class ConfigError extends Error {}

/**
 * The value PRODUCER_BENCH_MARKER must hold for PRODUCER_BENCH_DURABILITY=off to be honoured. The switch
 * breaks the rule that nothing is answered before it is durable, so it exists for `npm run bench` alone
 * (its durability-off points, docs/performance.md): without this exact marker beside it, the loader
 * refuses the configuration and so every entry point refuses to start. Read from the environment only,
 * never from a configuration file, so that a deployed file can never turn durability off.
 */
export const BENCH_MARKER = 'npm-run-bench-only';

function benchNoDurability(env: Env): boolean {
  const v = env.PRODUCER_BENCH_DURABILITY;
  if (v === undefined || v === '' || v === 'on') return false;
  if (v !== 'off') throw new ConfigError('PRODUCER_BENCH_DURABILITY must be on or off');
  if (env.PRODUCER_BENCH_MARKER !== BENCH_MARKER) {
    throw new ConfigError('PRODUCER_BENCH_DURABILITY=off is a benchmark-only setting (npm run bench) and is refused here: commits would not be durable');
  }
  return true;
}

type Env = Readonly<Record<string, string | undefined>>;
type FileConfig = Record<string, unknown>;

function readFileConfig(env: Env): FileConfig {
  const file = env.PRODUCER_CONFIG;
  if (!file) return {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`${file}: the configuration file must hold a JSON object`);
    }
    return parsed as FileConfig;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`PRODUCER_CONFIG ${file}: ${(err as Error).message}`);
  }
}

/** Looks a value up: environment variable first, then a (possibly nested) key of the file. */
function lookup(env: Env, file: FileConfig, envName: string, fileKey: string): unknown {
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  let node: unknown = file;
  for (const part of fileKey.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function asString(v: unknown, name: string, dflt: string): string;
function asString(v: unknown, name: string, dflt?: undefined): string | undefined;
function asString(v: unknown, name: string, dflt?: string): string | undefined {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(`${name} must be a string`);
  return String(v);
}

function asInt(v: unknown, name: string, dflt: number, min = 0): number {
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return n;
}

function asBool(v: unknown, name: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new ConfigError(`${name} must be true or false, got ${String(v)}`);
}

function asList(v: unknown, name: string, dflt: readonly string[]): string[] {
  if (v === undefined || v === null) return [...dflt];
  const items = Array.isArray(v) ? v.map(String) : String(v).split(',');
  const list = items.map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new ConfigError(`${name} must not be empty`);
  return list;
}

function asMode(v: unknown, name: string, dflt: ValidationMode): ValidationMode {
  const s = asString(v, name) ?? dflt;
  if (s !== 'off' && s !== 'warn' && s !== 'enforce') throw new ConfigError(`${name} must be off, warn or enforce`);
  return s;
}

function asWorkers(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (String(v).trim() === 'auto') return Math.max(1, os.availableParallelism());
  return asInt(v, 'PRODUCER_WORKERS', 1, 1);
}

function asObject<T>(v: unknown, name: string, dflt: T): T {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as T;
    } catch (err) {
      throw new ConfigError(`${name}: ${(err as Error).message}`);
    }
  }
  return v as T;
}

/** A shared secret given as configuration: at least 32 characters, so it cannot be guessed. */
function asSecret(v: unknown, name: string): string | undefined {
  const s = asString(v, name)?.trim();
  if (s === undefined || s === '') return undefined;
  if (s.length < 32) throw new ConfigError(`${name} must be at least 32 characters`);
  return s;
}

/** The development webhook secret's file name in the data directory (`npm start` writes it, `npm run view` reads it). */
const WEBHOOK_SECRET_FILE = 'webhook-secret';

/** Default logical address served when PRODUCER_LOGICAL_ADDRESSES is unset. */
const DEFAULT_LOGICAL_ADDRESSES = ['TEST-PRODUCER'] as const;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const file = readFileConfig(env);
  const get = (envName: string, fileKey: string) => lookup(env, file, envName, fileKey);
  const resolve = (p: string) => path.resolve(cwd, p);

  const dataDir = resolve(asString(get('PRODUCER_DATA_DIR', 'dataDir'), 'PRODUCER_DATA_DIR', './data'));
  const certsDir = resolve(asString(get('PRODUCER_CERTS_DIR', 'certsDir'), 'PRODUCER_CERTS_DIR', './certs/dev'));
  const inCerts = (v: unknown, name: string, dflt: string) => path.resolve(certsDir, asString(v, name, dflt));
  const crl = asString(get('PRODUCER_TLS_CRL', 'tls.crlFile'), 'PRODUCER_TLS_CRL', 'ca.crl');
  const retention = get('PRODUCER_CASE_RETENTION_DAYS', 'caseRetentionDays');
  const publicUrl = asString(get('PRODUCER_PUBLIC_URL', 'publicUrl'), 'PRODUCER_PUBLIC_URL');
  const notifierKind = asString(get('PRODUCER_NOTIFIER', 'notifier.kind'), 'PRODUCER_NOTIFIER', 'log');
  if (notifierKind !== 'log' && notifierKind !== 'webhook') throw new ConfigError('PRODUCER_NOTIFIER must be log or webhook');
  const webhookUrl = asString(get('PRODUCER_WEBHOOK_URL', 'notifier.webhookUrl'), 'PRODUCER_WEBHOOK_URL');
  if (notifierKind === 'webhook' && !webhookUrl) throw new ConfigError('PRODUCER_NOTIFIER=webhook needs PRODUCER_WEBHOOK_URL');
  const caseConsent = asString(get('PRODUCER_CASE_CONSENT', 'caseConsent'), 'PRODUCER_CASE_CONSENT', 'required');
  if (caseConsent !== 'required' && caseConsent !== 'off') throw new ConfigError('PRODUCER_CASE_CONSENT must be required or off');
  const webhookCa = asString(get('PRODUCER_WEBHOOK_CA', 'notifier.webhookCa'), 'PRODUCER_WEBHOOK_CA', 'ca.crt');
  const logicalAddresses = asList(
    get('PRODUCER_LOGICAL_ADDRESSES', 'logicalAddresses'),
    'PRODUCER_LOGICAL_ADDRESSES',
    DEFAULT_LOGICAL_ADDRESSES,
  );

  return {
    host: asString(get('PRODUCER_HOST', 'host'), 'PRODUCER_HOST', '0.0.0.0'),
    port: asInt(get('PRODUCER_PORT', 'port'), 'PRODUCER_PORT', 8443),
    adminHost: asString(get('PRODUCER_ADMIN_HOST', 'adminHost'), 'PRODUCER_ADMIN_HOST', '127.0.0.1'),
    adminPort: asInt(get('PRODUCER_ADMIN_PORT', 'adminPort'), 'PRODUCER_ADMIN_PORT', 9090),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    allowedHosts: asList(get('PRODUCER_ALLOWED_HOSTS', 'allowedHosts'), 'PRODUCER_ALLOWED_HOSTS', [
      'localhost',
      '127.0.0.1',
      '::1',
      os.hostname(),
    ]).map((h) => h.toLowerCase()),
    workers: asWorkers(get('PRODUCER_WORKERS', 'workers')),
    dataDir,
    certsDir,
    databaseUrl: asString(get('DATABASE_URL', 'databaseUrl'), 'DATABASE_URL'),
    logicalAddresses,
    tls: {
      certFile: inCerts(get('PRODUCER_TLS_CERT', 'tls.certFile'), 'PRODUCER_TLS_CERT', 'server.crt'),
      keyFile: inCerts(get('PRODUCER_TLS_KEY', 'tls.keyFile'), 'PRODUCER_TLS_KEY', 'server.key'),
      caFile: inCerts(get('PRODUCER_TLS_CA', 'tls.caFile'), 'PRODUCER_TLS_CA', 'ca.crt'),
      crlFile: crl === 'none' ? undefined : path.resolve(certsDir, crl),
    },
    limits: {
      maxBodyBytes: asInt(get('PRODUCER_MAX_BODY_BYTES', 'limits.maxBodyBytes'), 'PRODUCER_MAX_BODY_BYTES', 1024 * 1024, 1),
      maxDepth: asInt(get('PRODUCER_MAX_DEPTH', 'limits.maxDepth'), 'PRODUCER_MAX_DEPTH', 64, 4),
      maxElements: asInt(get('PRODUCER_MAX_ELEMENTS', 'limits.maxElements'), 'PRODUCER_MAX_ELEMENTS', 20000, 10),
      maxAttributeBytes: asInt(
        get('PRODUCER_MAX_ATTRIBUTE_BYTES', 'limits.maxAttributeBytes'),
        'PRODUCER_MAX_ATTRIBUTE_BYTES',
        8192,
        64,
      ),
      headersTimeoutMs: asInt(get('PRODUCER_HEADERS_TIMEOUT_MS', 'limits.headersTimeoutMs'), 'PRODUCER_HEADERS_TIMEOUT_MS', 10000, 1),
      requestTimeoutMs: asInt(get('PRODUCER_REQUEST_TIMEOUT_MS', 'limits.requestTimeoutMs'), 'PRODUCER_REQUEST_TIMEOUT_MS', 20000, 1),
      keepAliveTimeoutMs: asInt(
        get('PRODUCER_KEEPALIVE_TIMEOUT_MS', 'limits.keepAliveTimeoutMs'),
        'PRODUCER_KEEPALIVE_TIMEOUT_MS',
        60000,
        1,
      ),
      maxConnections: asInt(get('PRODUCER_MAX_CONNECTIONS', 'limits.maxConnections'), 'PRODUCER_MAX_CONNECTIONS', 1000, 1),
      handshakeTimeoutMs: asInt(get('PRODUCER_HANDSHAKE_TIMEOUT_MS', 'limits.handshakeTimeoutMs'), 'PRODUCER_HANDSHAKE_TIMEOUT_MS', 5000, 1),
      maxPendingHandshakes: asInt(
        get('PRODUCER_MAX_PENDING_HANDSHAKES', 'limits.maxPendingHandshakes'),
        'PRODUCER_MAX_PENDING_HANDSHAKES',
        256,
        1,
      ),
      maxNsPerElement: asInt(get('PRODUCER_MAX_NS_PER_ELEMENT', 'limits.maxNsPerElement'), 'PRODUCER_MAX_NS_PER_ELEMENT', 32, 1),
      maxNsPerDocument: asInt(get('PRODUCER_MAX_NS_PER_DOCUMENT', 'limits.maxNsPerDocument'), 'PRODUCER_MAX_NS_PER_DOCUMENT', 256, 1),
      maxCriteria: asInt(get('PRODUCER_MAX_CRITERIA', 'limits.maxCriteria'), 'PRODUCER_MAX_CRITERIA', 100, 1),
    },
    validation: {
      defaultMode: asMode(get('PRODUCER_VALIDATION', 'validation.defaultMode'), 'PRODUCER_VALIDATION', 'enforce'),
      contracts: asObject(get('PRODUCER_VALIDATION_CONTRACTS', 'validation.contracts'), 'validation.contracts', {}),
    },
    routingNodes: asList(get('PRODUCER_ROUTING_NODES', 'routingNodes'), 'PRODUCER_ROUTING_NODES', [DEV_HSA.routingNode]),
    tak: asObject(get('PRODUCER_TAK', 'tak'), 'tak', developmentTak()),
    consumers: asObject(get('PRODUCER_CONSUMERS', 'consumers'), 'consumers', developmentConsumers()),
    logLevel: asString(get('PRODUCER_LOG_LEVEL', 'logLevel'), 'PRODUCER_LOG_LEVEL', 'info'),
    demoData: asBool(get('PRODUCER_DEMO_DATA', 'demoData'), 'PRODUCER_DEMO_DATA', true),
    caseConsent,
    caseRetentionDays:
      retention === undefined || retention === null || retention === ''
        ? undefined
        : asInt(retention, 'PRODUCER_CASE_RETENTION_DAYS', 0, 0),
    keysFile: path.resolve(dataDir, asString(get('PRODUCER_KEYS_FILE', 'keysFile'), 'PRODUCER_KEYS_FILE', 'keys.json')),
    notifier: {
      kind: notifierKind,
      webhookUrl,
      webhookCaFile: webhookCa === 'system' ? undefined : path.resolve(certsDir, webhookCa),
      webhookSecret: asSecret(get('PRODUCER_WEBHOOK_SECRET', 'notifier.webhookSecret'), 'PRODUCER_WEBHOOK_SECRET'),
      webhookSecretFile: path.join(dataDir, WEBHOOK_SECRET_FILE),
    },
    view: {
      host: asString(get('VIEW_HOST', 'view.host'), 'VIEW_HOST', 'localhost'),
      port: asInt(get('VIEW_PORT', 'view.port'), 'VIEW_PORT', 8444),
      producerUrl: asString(get('VIEW_PRODUCER_URL', 'view.producerUrl'), 'VIEW_PRODUCER_URL', 'https://localhost:8443').replace(/\/+$/, ''),
      logicalAddress: asString(get('VIEW_LOGICAL_ADDRESS', 'view.logicalAddress'), 'VIEW_LOGICAL_ADDRESS', logicalAddresses[0]!),
      webhookSecret: asSecret(get('VIEW_WEBHOOK_SECRET', 'view.webhookSecret'), 'VIEW_WEBHOOK_SECRET'),
    },
    shutdownTimeoutMs: asInt(get('PRODUCER_SHUTDOWN_TIMEOUT_MS', 'shutdownTimeoutMs'), 'PRODUCER_SHUTDOWN_TIMEOUT_MS', 10000, 1),
    auditHmacKey: asString(get('PRODUCER_AUDIT_HMAC_KEY', 'auditHmacKey'), 'PRODUCER_AUDIT_HMAC_KEY'),
    personnelAccessProfiles: asObject(
      get('PRODUCER_PERSONNEL_ACCESS_PROFILES', 'personnel.accessProfiles'),
      'personnel.accessProfiles',
      undefined,
    ),
    benchNoDurability: benchNoDurability(env),
  };
}

/** Resolves the validation mode of one contract: per-contract entry by name or namespace, else the default. */
export function validationModeFor(config: Config, contractName: string, contractNamespace: string): ValidationMode {
  return config.validation.contracts[contractName] ?? config.validation.contracts[contractNamespace] ?? config.validation.defaultMode;
}
