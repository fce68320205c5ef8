/**
 * The case hub's people in the one configuration loader: the consent switch, the development TAK rows of the
 * version-2, consent and mandate contracts, the consumers case-system-2 and mandate-register, and the list of
 * contract namespaces against the compiled contracts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allContracts } from '../contracts/index.js';
import { DEV_ROLES, rolePaths, type DevRoleName } from '../certs/dev-pki.js';
import { CONTRACT_NAMESPACES, ConfigError, DEV_HSA, loadConfig } from '../src/config.js';
import { Tak } from '../src/security/tak.js';

const LA = 'TEST-PRODUCER';

describe('configuration: the case hub people', () => {
  it('PRODUCER_CASE_CONSENT: required by default, off when asked, anything else refused', () => {
    assert.equal(loadConfig({}).caseConsent, 'required');
    assert.equal(loadConfig({ PRODUCER_CASE_CONSENT: 'off' }).caseConsent, 'off');
    assert.equal(loadConfig({ PRODUCER_CASE_CONSENT: 'required' }).caseConsent, 'required');
    assert.throws(() => loadConfig({ PRODUCER_CASE_CONSENT: 'no' }), ConfigError);
  });

  it('CONTRACT_NAMESPACES names every compiled contract, both majors of PushCaseStatus and GetCaseOverview', () => {
    assert.deepEqual(new Set(Object.values(CONTRACT_NAMESPACES)), new Set(allContracts.map((c) => c.namespace)));
    assert.equal(Object.values(CONTRACT_NAMESPACES).length, allContracts.length, 'no namespace twice');
  });

  it('the development TAK gives each role exactly its contracts, on every served address', () => {
    const tak = new Tak(loadConfig({}));
    const grants: Partial<Record<DevRoleName, Array<keyof typeof CONTRACT_NAMESPACES>>> = {
      'journal-system': ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PingForConfiguration'],
      supervisor: ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PingForConfiguration'],
      'transport-authority': ['SearchPersonnel', 'PingForConfiguration'],
      'routing-node': ['PingForConfiguration'],
      'case-system': ['PushCaseStatus', 'PushCaseStatusV2', 'PingForConfiguration'],
      'case-system-2': ['PushCaseStatus', 'PushCaseStatusV2', 'PingForConfiguration'],
      'case-view': ['GetCaseOverview', 'GetCaseOverviewV2', 'UpdateCaseOverviewConsent', 'GetMandates', 'PingForConfiguration'],
      'mandate-register': ['UpdateMandate', 'PingForConfiguration'],
    };
    for (const role of Object.keys(DEV_ROLES) as DevRoleName[]) {
      const allowed = new Set(grants[role] ?? []);
      for (const [name, ns] of Object.entries(CONTRACT_NAMESPACES)) {
        assert.equal(tak.isAuthorised(DEV_ROLES[role].hsaId, ns, LA), allowed.has(name as keyof typeof CONTRACT_NAMESPACES), `${role} ${name}`);
      }
    }
  });

  it('the development consumers: case-system-2 sends for 5599999992 with its TLS certificate as signing certificate; mandate-register', () => {
    const config = loadConfig({});
    assert.equal(DEV_HSA.caseSystem2, DEV_ROLES['case-system-2'].hsaId);
    assert.equal(DEV_HSA.mandateRegister, DEV_ROLES['mandate-register'].hsaId);
    const sender = config.consumers[DEV_HSA.caseSystem2]!;
    assert.equal(sender.category, 'CASE_SYSTEM');
    assert.deepEqual(sender.organisations, ['5599999992']);
    assert.equal(sender.signaturePolicy, 'optional');
    assert.equal(sender.signingCertificate, 'case-system-2.crt');
    assert.equal(rolePaths(config.certsDir, 'case-system-2').cert, `${config.certsDir}/${sender.signingCertificate}`);
    assert.deepEqual(config.consumers[DEV_HSA.mandateRegister], { category: 'MANDATE_REGISTER' });
  });
});
