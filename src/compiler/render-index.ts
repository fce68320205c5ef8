/**
 * `index.ts`: every contract's definition constant and responder interface, and `allContracts`.
 */
import { blockComment } from './jsdoc.js';
import { cmp, indexAlias } from './naming.js';
import type { ContractPlan } from './plan.js';
import { HEADER } from './render-types.js';

export function renderIndex(contracts: readonly ContractPlan[], sourceLabel: string): string {
  const lines = [
    HEADER(sourceLabel),
    blockComment([
      'Every contract: its definition constant and its responder interface. The types of a contract are ' +
        'exported by its own module (contracts/<domain path>/<Name>Interaction.ts), not from here, so that equal ' +
        'XSD names in different contracts cannot clash.',
      'Naming rule: a contract module is <domain path>/<Name>Interaction.ts, its constant <name>Contract, its ' +
        'interface <Name>ResponderInterface and its operation types <Name>Operations. When several WSDLs of the ' +
        'same interaction (same domain and name) are compiled together, every one of them carries its major ' +
        'version: <Name>Interaction_<major>.ts, <name>V<major>Contract, <Name>V<major>ResponderInterface; and ' +
        'when two of them share a major, those carry major and minor: _<major>_<minor> / V<major>_<minor>. ' +
        'Should two domains use the same interaction name, the exported names of the later domain (in sort ' +
        'order) get a _<domain with underscores> suffix.',
    ]).trimEnd(),
    `import type { ContractDefinition } from './rivta.js';`,
  ];
  const taken = new Set<string>(['ContractDefinition', 'allContracts']);
  const constNames: string[] = [];
  for (const cp of [...contracts].sort((a, b) => cmp(a.names.file, b.names.file))) {
    const spec = (n: string) => {
      if (!taken.has(n)) {
        taken.add(n);
        return { local: n, s: n };
      }
      const alias = indexAlias(n, cp.c.domain);
      taken.add(alias);
      return { local: alias, s: `${n} as ${alias}` };
    };
    const k = spec(cp.names.constName);
    const i = spec(cp.names.interfaceName);
    const from = `./${cp.names.file.replace(/\.ts$/, '.js')}`;
    lines.push(`import { ${k.s} } from '${from}';`);
    lines.push(`export type { ${i.s} } from '${from}';`);
    constNames.push(k.local);
  }
  const list = (indent: string) => constNames.map((n) => `${indent}${n},`).join('\n');
  lines.push('');
  if (constNames.length) lines.push(`export {\n${list('  ')}\n};`, '');
  lines.push('/** Every compiled contract, in module-path order. */');
  lines.push(`export const allContracts: readonly ContractDefinition[] = [${constNames.length ? `\n${list('  ')}\n` : ''}];`);
  return `${lines.join('\n')}\n`;
}
