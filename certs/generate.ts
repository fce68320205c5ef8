/**
 * Generates the development PKI (README, "Development PKI") with the openssl command line: it is the one tool that
 * issues certificates, back-dated expired ones and CRLs alike (node-forge cannot write CRLs, forge #234).
 * PKCS#12 keystores are written with node-forge using 3DES/SHA1, which older Java clients (SoapUI) can open.
 *
 *   node dist/certs/generate.js [--dir DIR] [--force]      (npm run certs)
 *
 * Without --force an existing directory is completed, never replaced (see ensureDevPki).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { DEV_ROLES, KEYSTORE_PASSWORD, NO_HSA_ID_ROLE, SERVER_HSA_ID, type DevRoleName } from './dev-pki.js';

const ORGANISATION = 'Dev Test Organisation';

function caConfig(dir: string, dbDir: string, name: string, keyFile: string, certFile: string): string {
  return `[ ca ]
default_ca = ${name}
[ ${name} ]
database = ${dbDir}/index.txt
serial = ${dbDir}/serial
crlnumber = ${dbDir}/crlnumber
new_certs_dir = ${dbDir}
certificate = ${path.join(dir, certFile)}
private_key = ${path.join(dir, keyFile)}
default_md = sha256
default_days = 730
default_crl_days = 365
policy = any_subject
unique_subject = no
[ any_subject ]
countryName = optional
organizationName = optional
commonName = supplied
serialNumber = optional
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ routing ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth, serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
`;
}

/** One certificate of the set: its file base name, subject and how it is issued. */
interface Issuance {
  readonly base: string;
  readonly cn: string;
  /** The subject serialNumber; null for the certificate without one (RP008). */
  readonly hsaId: string | null;
  readonly extensions: 'client' | 'routing' | 'server';
  readonly issuer: 'trusted' | 'untrusted';
  readonly expired?: boolean;
}

/** Every certificate below the CAs, in the order they are issued. */
function issuances(): Issuance[] {
  const roles = (Object.entries(DEV_ROLES) as Array<[DevRoleName, { hsaId: string }]>).map(([role, { hsaId }]): Issuance => ({
    base: role,
    cn: role,
    hsaId,
    extensions: role === 'routing-node' ? 'routing' : 'client',
    issuer: role === 'untrusted' ? 'untrusted' : 'trusted',
    ...(role === 'expired' ? { expired: true } : {}),
  }));
  return [
    { base: 'server', cn: 'localhost', hsaId: SERVER_HSA_ID, extensions: 'server', issuer: 'trusted' },
    ...roles,
    // Trusted, but without an HSA-id in the subject: lets testers see RP008.
    { base: NO_HSA_ID_ROLE, cn: NO_HSA_ID_ROLE, hsaId: null, extensions: 'client', issuer: 'trusted' },
  ];
}

const REVOKED_ROLE: DevRoleName = 'revoked';
const CA_FILES = { trusted: 'ca', untrusted: 'untrusted-ca' } as const;

export interface DevPkiResult {
  /** True when the whole set was written (no `ca.crt` before, or `force`). */
  readonly generated: boolean;
  /** Certificates (role names, `server`, `no-hsa-id`) added to an existing set because their files were missing. */
  readonly added: readonly string[];
}

/**
 * Writes the development PKI into `dir`. Without `ca.crt` (or with `force`) it writes everything. With an
 * existing CA it writes only what is missing, signed by that CA, and touches nothing else: a role added to the
 * set after the directory was made (mandate-register and case-system-2 came later) appears at the next
 * `npm start` or `npm run certs`, and every certificate already handed out stays valid. A certificate whose key
 * or certificate file is missing is issued anew; one that lacks only its keystore gets the keystore.
 */
export async function ensureDevPki(dir: string, opts: { force?: boolean } = {}): Promise<DevPkiResult> {
  const full = opts.force === true || !fs.existsSync(path.join(dir, 'ca.crt'));
  const all = issuances();
  const missing = (i: Issuance) => !fs.existsSync(path.join(dir, `${i.base}.crt`)) || !fs.existsSync(path.join(dir, `${i.base}.key`));
  const toIssue = full ? all : all.filter(missing);
  const keystoreOnly = full ? [] : all.filter((i) => !missing(i) && !fs.existsSync(path.join(dir, `${i.base}.p12`)));
  if (toIssue.length === 0 && keystoreOnly.length === 0) return { generated: false, added: [] };

  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, '.ca-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const cnf = { trusted: path.join(work, 'ca.cnf'), untrusted: path.join(work, 'untrusted-ca.cnf') };
    for (const ca of ['trusted', 'untrusted'] as const) {
      // A fresh signing database each run; serial numbers are random (`-rand_serial`), so a certificate added
      // later never repeats the serial of one issued before, which the CRL would then appear to revoke.
      const db = path.join(work, ca);
      fs.mkdirSync(db);
      fs.writeFileSync(path.join(db, 'index.txt'), '');
      fs.writeFileSync(path.join(db, 'crlnumber'), '1000\n');
      fs.writeFileSync(cnf[ca], caConfig(dir, db, `${ca}_ca`, `${CA_FILES[ca]}.key`, `${CA_FILES[ca]}.crt`));
    }
    const selfSignedCa = (base: string, cn: string) =>
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
        '-keyout', `${base}.key`, '-out', `${base}.crt`, '-subj', `/C=SE/O=${ORGANISATION}/CN=${cn}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-addext', 'subjectKeyIdentifier=hash');
    if (full) selfSignedCa(CA_FILES.trusted, 'Dev Test CA');
    if (full || (toIssue.some((i) => i.issuer === 'untrusted') && !fs.existsSync(path.join(dir, `${CA_FILES.untrusted}.key`)))) {
      selfSignedCa(CA_FILES.untrusted, 'Untrusted Dev CA');
    }

    for (const i of toIssue) {
      const csr = path.join(work, `${i.base}.csr`);
      const serialNumber = i.hsaId === null ? '' : `/serialNumber=${i.hsaId}`;
      openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${i.base}.key`, '-out', csr,
        '-subj', `/C=SE/O=${ORGANISATION}/CN=${i.cn}${serialNumber}`);
      // Back-date by a day so a skewed clock does not reject a fresh certificate.
      const [start, end] = i.expired ? [utcStamp(-730), utcStamp(-365)] : [utcStamp(-1), utcStamp(730)];
      openssl('ca', '-batch', '-notext', '-rand_serial', '-config', cnf[i.issuer], '-extensions', i.extensions, '-in', csr,
        '-out', `${i.base}.crt`, '-startdate', start, '-enddate', end);
    }
    if (toIssue.some((i) => i.base === REVOKED_ROLE)) {
      // The CRL lists the revoked role only. It is written when that certificate is (re)issued, from this run's
      // database, and is valid for a year: an expired CRL makes OpenSSL refuse every client. Re-run
      // `npm run certs -- --force` then.
      openssl('ca', '-batch', '-config', cnf.trusted, '-revoke', `${REVOKED_ROLE}.crt`);
      openssl('ca', '-batch', '-config', cnf.trusted, '-gencrl', '-out', 'ca.crl');
    }

    for (const i of [...toIssue, ...keystoreOnly]) {
      writeKeystore(dir, i.base, `${CA_FILES[i.issuer]}.crt`);
      fs.chmodSync(path.join(dir, `${i.base}.key`), 0o600);
    }
    for (const ca of Object.values(CA_FILES)) fs.chmodSync(path.join(dir, `${ca}.key`), 0o600);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { generated: full, added: full ? [] : [...toIssue, ...keystoreOnly].map((i) => i.base) };
}

function writeKeystore(dir: string, base: string, caFile: string): void {
  const key = forge.pki.privateKeyFromPem(fs.readFileSync(path.join(dir, `${base}.key`), 'utf8'));
  const cert = forge.pki.certificateFromPem(fs.readFileSync(path.join(dir, `${base}.crt`), 'utf8'));
  const ca = forge.pki.certificateFromPem(fs.readFileSync(path.join(dir, caFile), 'utf8'));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert, ca], KEYSTORE_PASSWORD, { algorithm: '3des', friendlyName: base });
  fs.writeFileSync(path.join(dir, `${base}.p12`), Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'), { mode: 0o600 });
}

/** openssl ca date format (YYYYMMDDHHMMSSZ), `days` from now. */
function utcStamp(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const dirArg = args.indexOf('--dir');
  const dir = path.resolve(dirArg >= 0 ? args[dirArg + 1]! : (process.env.PRODUCER_CERTS_DIR ?? 'certs/dev'));
  const { generated, added } = await ensureDevPki(dir, { force: args.includes('--force') });
  console.log(
    generated
      ? `Development PKI written to ${dir}`
      : added.length > 0
        ? `Added to the development PKI in ${dir}, signed by its CA: ${added.join(', ')}`
        : `${dir} is complete; nothing generated (use --force to regenerate)`,
  );
}
