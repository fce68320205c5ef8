/**
 * What the output consists of, before any text is rendered: the type modules (one per namespace as
 * defined by one set of schema files, shared by every contract that uses it), which module each type
 * key of each contract lives in, and every name (naming.ts).
 */
import { ContractError } from './errors.js';
import { cmp, contractNames, typeModuleFileNames, typeNames, type ContractNames } from './naming.js';
import { TypeBuilder, type BuiltType } from './types.js';
import type { Contract } from './wsdl.js';

export interface TypeModule {
  readonly id: string;
  readonly ns: string;
  /** The schema files defining the namespace, sorted. */
  readonly files: readonly string[];
  /** File name under `_types/`, without `.ts`. */
  readonly file: string;
  /** Key → built type. */
  readonly types: ReadonlyMap<string, BuiltType>;
  /** Key → the module id of each type it refers to (the same in every contract). */
  readonly refModule: ReadonlyMap<string, string>;
  /** Key → TypeScript name. */
  readonly names: ReadonlyMap<string, string>;
  /** WSDL files of the contracts that use it. */
  readonly usedBy: ReadonlySet<string>;
}

export interface ContractPlan {
  readonly c: Contract;
  /** Key → module id, for every type the contract reaches. */
  readonly keyModule: ReadonlyMap<string, string>;
  readonly names: ContractNames;
}

export interface Plan {
  readonly modules: ReadonlyMap<string, TypeModule>;
  /** In WSDL path order. */
  readonly contracts: readonly ContractPlan[];
}

interface Draft {
  id: string;
  ns: string;
  files: string[];
  types: Map<string, BuiltType>;
  refModule: Map<string, string>;
  usedBy: Set<string>;
}

export function plan(input: readonly Contract[]): Plan {
  const contracts = [...input].sort((a, b) => cmp(a.wsdlFile, b.wsdlFile));
  const drafts = new Map<string, Draft>();
  const keyModules: Map<string, string>[] = [];
  for (const c of contracts) {
    const keyModule = new Map<string, string>();
    for (const [key, t] of c.types) {
      const files = [...(c.filesByNamespace.get(t.ns) ?? [])].sort();
      const id = `${t.ns}\u0000${files.join('\u0000')}`;
      keyModule.set(key, id);
      let m = drafts.get(id);
      if (!m) drafts.set(id, (m = { id, ns: t.ns, files, types: new Map(), refModule: new Map(), usedBy: new Set() }));
      m.usedBy.add(c.wsdlFile);
    }
    for (const [key, t] of c.types) {
      const m = drafts.get(keyModule.get(key)!)!;
      const prior = m.types.get(key);
      if (prior && JSON.stringify(prior.meta) !== JSON.stringify(t.meta)) {
        throw new ContractError(c.wsdlFile, 0, key, `type "${key}" differs from its definition in another contract with the same schema files`);
      }
      m.types.set(key, t);
      for (const r of TypeBuilder.refs(t.meta)) {
        if (r.startsWith('xs:')) continue;
        const rm = keyModule.get(r)!;
        const had = m.refModule.get(r);
        if (had !== undefined && had !== rm) {
          throw new ContractError(c.wsdlFile, 0, r, `type "${key}" refers to "${r}" whose namespace is defined by different schema files in different contracts; compile them separately`);
        }
        m.refModule.set(r, rm);
      }
    }
    keyModules.push(keyModule);
  }

  const fileNames = typeModuleFileNames([...drafts.values()]);
  const modules = new Map<string, TypeModule>();
  for (const d of drafts.values()) {
    const names = typeNames(new Map([...d.types].map(([k, t]) => [k, t.rawName])));
    modules.set(d.id, { ...d, file: fileNames.get(d.id)!, names });
  }

  const names = contractNames(contracts, (a, b) => {
    throw new ContractError(a.wsdlFile, 0, a.name, `two WSDLs define ${a.name} ${a.major}.${a.minor}: ${[a.wsdlFile, b.wsdlFile].sort().join(', ')}`);
  });
  return { modules, contracts: contracts.map((c, i) => ({ c, keyModule: keyModules[i]!, names: names[i]! })) };
}
