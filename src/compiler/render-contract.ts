/**
 * A contract module (`<domain path>/<Name>Interaction.ts`): the types the contract uses (re-exported
 * from their type modules), per operation its `<Op>Headers`, the `<Name>Operations` type that carries
 * every operation's request, response and header types, the `<Name>ResponderInterface<C>` derived from
 * it, and the `<name>Contract` definition, typed by it, with the metadata the runtime serves it from.
 */
import { tsOfBuiltin } from './builtins.js';
import { jsdoc } from './jsdoc.js';
import { Code, literal, propertyName } from './literal.js';
import { cmp, headersName, reexportName } from './naming.js';
import type { ContractPlan, TypeModule } from './plan.js';
import { HEADER, placeholder, resolveImports, type TypeRef } from './render-types.js';

export function renderContract(cp: ContractPlan, modules: ReadonlyMap<string, TypeModule>): string {
  const { c, names } = cp;
  const depth = names.file.split('/').length - 1;
  const up = depth ? '../'.repeat(depth) : './';
  const imported = new Set<string>();
  const ref: TypeRef = (key) => {
    if (key.startsWith('xs:')) return tsOfBuiltin(key.slice(3));
    const m = modules.get(cp.keyModule.get(key)!)!;
    imported.add(m.id);
    return placeholder(m.id, m.names.get(key)!);
  };
  const version = `${c.name} ${c.major}.${c.minor}`;
  const decls: string[] = [];

  for (const op of c.operations) {
    const props = op.headers.map(
      (h) => `${jsdoc([op.docs.headers.get(h.part)], '  ')}  readonly ${propertyName(h.part)}${h.required ? '' : '?'}: ${ref(h.type)};\n`,
    );
    decls.push(
      `${jsdoc([`SOAP header parts of ${op.name} (message parts bound as soap:header), by part name.`])}` +
        `export interface ${headersName(op.name)} {\n${props.join('')}}\n`,
    );
  }

  const ops = c.operations.map(
    (op) =>
      jsdoc([op.docs.operation], '  ') +
      `  readonly ${propertyName(op.name)}: {\n` +
      `    readonly request: ${ref(op.request.type)};\n` +
      `    readonly response: ${ref(op.response.type)};\n` +
      `    readonly headers: ${headersName(op.name)};\n` +
      `  };\n`,
  );
  decls.push(
    jsdoc([
      `The operations of ${version} with their TypeScript types. The type parameter of ${names.constName}, from ` +
        `which ${names.interfaceName} and the handler type of the producer's addService are derived.`,
    ]) + `export type ${names.operationsName} = {\n${ops.join('')}};\n`,
  );

  decls.push(
    jsdoc([
      c.documentation,
      `The producer's implementation of ${version}: one function per operation, given the request and a context C ` +
        `carrying the operation's SOAP headers. For \`satisfies\` and return types; producer.addService(${names.constName}, …) ` +
        `requires the same type.`,
    ]) + `export interface ${names.interfaceName}<C> extends $rivta.Responder<${names.operationsName}, C> {}\n`,
  );

  // every namespace module the contract uses, by file name: their metadata tables make up `types`
  const allIds = [...new Set(cp.keyModule.values())].sort((a, b) => cmp(modules.get(a)!.file, modules.get(b)!.file));
  const tableAlias = new Map(allIds.map((id, i) => [id, `$m${i}`]));
  const def = {
    name: c.name,
    namespace: c.namespace,
    domain: c.domain,
    major: c.major,
    minor: c.minor,
    wsdlNamespace: c.wsdlNamespace,
    serviceName: c.serviceName,
    portName: c.portName,
    bindingName: c.bindingName,
    portTypeName: c.portTypeName,
    wsdlFile: c.wsdlFile,
    schemaFiles: c.schemaFiles,
    operations: c.operations.map((o) => ({
      name: o.name,
      soapAction: o.soapAction,
      request: { element: o.request.element, type: o.request.type },
      response: { element: o.response.element, type: o.response.type },
      headers: o.headers.map((h) => ({ part: h.part, element: h.element, type: h.type, required: h.required })),
    })),
    types: new Code(`{ ${allIds.map((id) => `...${tableAlias.get(id)}`).join(', ')} }`),
  };
  decls.push(
    jsdoc([`The definition of ${version}: what the runtime serves it from. Its type carries ${names.operationsName}.`]) +
      `export const ${names.constName}: $rivta.ContractDefinition<${names.operationsName}> = ${literal(def, '')};\n`,
  );

  const { text, aliases } = resolveImports(decls.join('\n'), imported, modules, '$t');

  // re-exports: every type the contract uses, responder namespace first; clashes get a _<module> suffix
  const taken = new Set<string>([names.interfaceName, names.constName, names.operationsName, ...c.operations.map((o) => headersName(o.name))]);
  const reexportIds = [...allIds].sort((a, b) => {
    const ma = modules.get(a)!;
    const mb = modules.get(b)!;
    return (ma.ns === c.namespace ? 0 : 1) - (mb.ns === c.namespace ? 0 : 1) || cmp(ma.file, mb.file);
  });
  const reexports = reexportIds.map((id) => {
    const m = modules.get(id)!;
    const typeNames = [...cp.keyModule].filter(([, mid]) => mid === id).map(([k]) => m.names.get(k)!).sort(cmp);
    const specs = typeNames.map((n) => {
      const as = reexportName(n, m.file, taken);
      return as === n ? n : `${n} as ${as}`;
    });
    return `export type {\n${specs.map((s) => `  ${s},`).join('\n')}\n} from '${up}_types/${m.file}.js';`;
  });

  const head = [
    HEADER(c.wsdlFile),
    `import type * as $rivta from '${up}rivta.js';`,
    ...[...aliases].map(([id, alias]) => `import type * as ${alias} from '${up}_types/${modules.get(id)!.file}.js';`),
    ...allIds.map((id) => `import { $types as ${tableAlias.get(id)} } from '${up}_types/${modules.get(id)!.file}.js';`),
    '',
    ...reexports,
    '',
  ];
  return `${head.join('\n')}\n${text}`;
}
