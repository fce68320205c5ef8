/** The development PKI (README, "Development PKI"): fixed role names, file names and HSA-ids (tests and tools rely on them). */
import path from 'node:path';

export interface DevRole {
  /** HSA-id carried as the certificate subject serialNumber (OID 2.5.4.5). */
  readonly hsaId: string;
  readonly use: string;
}

export const DEV_ROLES = {
  'journal-system': { hsaId: 'SE5599999991-1001', use: 'PUBLIC_CARE_PROVIDER' },
  supervisor: { hsaId: 'SE5599999991-1002', use: 'SUPERVISORY_AUTHORITY' },
  'transport-authority': { hsaId: 'SE5599999991-1003', use: 'TRANSPORT_AUTHORITY' },
  'routing-node': { hsaId: 'SE5599999991-1004', use: 'Trusted routing node' },
  'case-system': { hsaId: 'SE5599999991-1005', use: 'CASE_SYSTEM, sends for organisation 5599999991' },
  'case-view': { hsaId: 'SE5599999991-1006', use: 'CASE_VIEW' },
  unknown: { hsaId: 'SE5599999991-1007', use: 'Valid, but in no TAK entry' },
  revoked: { hsaId: 'SE5599999991-1008', use: 'Listed in ca.crl' },
  expired: { hsaId: 'SE5599999991-1009', use: 'Validity ended in the past' },
  untrusted: { hsaId: 'SE5599999991-1010', use: 'Issued by another CA (untrusted-ca.crt)' },
  // Roles added later: `npm start` and `npm run certs` add them to an existing directory (certs/generate.ts).
  'mandate-register': { hsaId: 'SE5599999991-1011', use: 'MANDATE_REGISTER' },
  'case-system-2': { hsaId: 'SE5599999991-1012', use: 'CASE_SYSTEM, sends for organisation 5599999992' },
} as const satisfies Record<string, DevRole>;

export type DevRoleName = keyof typeof DEV_ROLES;

/** An extra client certificate from the trusted CA whose subject has no serialNumber (RP008). */
export const NO_HSA_ID_ROLE = 'no-hsa-id';

export const SERVER_HSA_ID = 'SE5599999991-PROD';
export const KEYSTORE_PASSWORD = 'changeit';

export function rolePaths(dir: string, role: DevRoleName | 'server' | typeof NO_HSA_ID_ROLE) {
  return {
    cert: path.join(dir, `${role}.crt`),
    key: path.join(dir, `${role}.key`),
    p12: path.join(dir, `${role}.p12`),
  };
}
