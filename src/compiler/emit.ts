/**
 * Contracts → TypeScript sources (a map of output-relative path → text). Pure and deterministic:
 * everything is sorted, nothing depends on time or on the machine. The plan (plan.ts) decides what
 * exists and what it is called; the renderers write it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../project-root.js';
import { cmp } from './naming.js';
import { plan } from './plan.js';
import { renderContract } from './render-contract.js';
import { renderIndex } from './render-index.js';
import { HEADER, renderTypeModule } from './render-types.js';
import type { Contract } from './wsdl.js';

/** The source of the metadata shape, relative to the project root; copied verbatim as `rivta.ts`. */
const RIVTA_SOURCE = 'src/compiler/rivta.ts';

export interface EmitOptions {
  /** How the index names its sources, e.g. `wsdl/` or the --in directory. */
  readonly sourceLabel: string;
}

let rivtaText: string | undefined;

/** `rivta.ts` of every output: a generated header, then the text of src/compiler/rivta.ts unchanged. */
function rivtaModule(): string {
  // Read from the source tree (the compiler runs from src/ under tsx and from dist/src/ when built).
  rivtaText ??= fs.readFileSync(path.join(findProjectRoot(path.dirname(fileURLToPath(import.meta.url))), RIVTA_SOURCE), 'utf8');
  return `${HEADER(RIVTA_SOURCE)}\n${rivtaText}`;
}

export function emit(contracts: readonly Contract[], opts: EmitOptions): Map<string, string> {
  const p = plan(contracts);
  const out = new Map<string, string>();
  for (const m of p.modules.values()) out.set(`_types/${m.file}.ts`, renderTypeModule(m, p.modules));
  for (const cp of p.contracts) out.set(cp.names.file, renderContract(cp, p.modules));
  out.set('rivta.ts', rivtaModule());
  out.set('index.ts', renderIndex(p.contracts, opts.sourceLabel));
  return new Map([...out.entries()].sort((a, b) => cmp(a[0], b[0])));
}
