/**
 * Generates the development PKI (spec §4.6) with the openssl command line: it is the one tool that
 * issues certificates, back-dated expired ones and CRLs alike (node-forge cannot write CRLs, forge #234).
 * PKCS#12 keystores are written with node-forge using 3DES/SHA1, which older Java clients (SoapUI) can open.
 *
 *   node dist/certs/generate.js [--dir DIR] [--force]      (npm run certs)
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

/** Generates everything into `dir` unless `ca.crt` already exists (or `force`). */
export async function ensureDevPki(dir: string, opts: { force?: boolean } = {}): Promise<{ generated: boolean }> {
  if (!opts.force && fs.existsSync(path.join(dir, 'ca.crt'))) return { generated: false };
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(dir, '.ca-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    for (const ca of ['trusted', 'untrusted']) {
      const db = path.join(work, ca);
      fs.mkdirSync(db);
      fs.writeFileSync(path.join(db, 'index.txt'), '');
      fs.writeFileSync(path.join(db, 'serial'), ca === 'trusted' ? '1000\n' : '9000\n');
      fs.writeFileSync(path.join(db, 'crlnumber'), '1000\n');
    }
    const trustedCnf = path.join(work, 'ca.cnf');
    const untrustedCnf = path.join(work, 'untrusted-ca.cnf');
    fs.writeFileSync(trustedCnf, caConfig(dir, path.join(work, 'trusted'), 'dev_ca', 'ca.key', 'ca.crt'));
    fs.writeFileSync(untrustedCnf, caConfig(dir, path.join(work, 'untrusted'), 'untrusted_ca', 'untrusted-ca.key', 'untrusted-ca.crt'));

    const selfSignedCa = (base: string, cn: string) =>
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
        '-keyout', `${base}.key`, '-out', `${base}.crt`, '-subj', `/C=SE/O=${ORGANISATION}/CN=${cn}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-addext', 'subjectKeyIdentifier=hash');
    selfSignedCa('ca', 'Dev Test CA');
    selfSignedCa('untrusted-ca', 'Untrusted Dev CA');

    const issue = (base: string, cn: string, hsaId: string | null, ext: string, cnf: string, dates?: [string, string]) => {
      const csr = path.join(work, `${base}.csr`);
      const serialNumber = hsaId === null ? '' : `/serialNumber=${hsaId}`;
      openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', csr,
        '-subj', `/C=SE/O=${ORGANISATION}/CN=${cn}${serialNumber}`);
      // Back-date by a day so a skewed clock does not reject a fresh certificate.
      const [start, end] = dates ?? [utcStamp(-1), utcStamp(730)];
      openssl('ca', '-batch', '-notext', '-config', cnf, '-extensions', ext, '-in', csr, '-out', `${base}.crt`,
        '-startdate', start, '-enddate', end);
    };
    issue('server', 'localhost', SERVER_HSA_ID, 'server', trustedCnf);
    for (const [role, { hsaId }] of Object.entries(DEV_ROLES) as Array<[DevRoleName, { hsaId: string }]>) {
      if (role === 'untrusted') issue(role, role, hsaId, 'client', untrustedCnf);
      else if (role === 'expired') issue(role, role, hsaId, 'client', trustedCnf, [utcStamp(-730), utcStamp(-365)]);
      else issue(role, role, hsaId, role === 'routing-node' ? 'routing' : 'client', trustedCnf);
    }
    // Trusted, but without an HSA-id in the subject: lets testers see RP008.
    issue(NO_HSA_ID_ROLE, NO_HSA_ID_ROLE, null, 'client', trustedCnf);
    openssl('ca', '-batch', '-config', trustedCnf, '-revoke', 'revoked.crt');
    // The CRL is valid for a year: an expired CRL makes OpenSSL refuse every client. Re-run `npm run certs -- --force` then.
    openssl('ca', '-batch', '-config', trustedCnf, '-gencrl', '-out', 'ca.crl');

    for (const base of ['server', NO_HSA_ID_ROLE, ...Object.keys(DEV_ROLES)]) {
      writeKeystore(dir, base, base === 'untrusted' ? 'untrusted-ca.crt' : 'ca.crt');
      fs.chmodSync(path.join(dir, `${base}.key`), 0o600);
    }
    fs.chmodSync(path.join(dir, 'ca.key'), 0o600);
    fs.chmodSync(path.join(dir, 'untrusted-ca.key'), 0o600);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { generated: true };
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
  const { generated } = await ensureDevPki(dir, { force: args.includes('--force') });
  console.log(generated ? `Development PKI written to ${dir}` : `${dir}/ca.crt exists; nothing generated (use --force to regenerate)`);
}
