/**
 * The synthetic demo data set (src/insurancemedicine/demo/fmb-demo.json — NOT medical advice).
 * tsc does not copy JSON to dist/, so the file is read from the source tree, found by walking up from
 * this module to the project root (the directory holding package.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { findProjectRoot } from '../project-root.js';
import type { Database } from '../storage/database.js';
import { sha256Hex } from '../storage/canonical.js';
import { FmbStore, type ImportSummary } from './fmb-store.js';
import { parseImportFile } from './import-format.js';

function demoFmbFile(): string {
  return path.join(findProjectRoot(), 'src', 'insurancemedicine', 'demo', 'fmb-demo.json');
}

function demoText(): string {
  return fs.readFileSync(demoFmbFile(), 'utf8');
}

/** True when the current demo file's content has been loaded into this database. */
export async function isDemoFmbLoaded(db: Database): Promise<boolean> {
  const info = await new FmbStore(db).dataSetInfo();
  return info.demoHash === sha256Hex(demoText());
}

/**
 * Loads the demo data set (merge mode) unless this exact file was loaded before. Idempotent, and safe
 * to call from several instances at once (the import locks the data-set row).
 */
export async function loadDemoFmb(db: Database): Promise<ImportSummary | undefined> {
  const text = demoText();
  const hash = sha256Hex(text);
  const store = new FmbStore(db);
  if ((await store.dataSetInfo()).demoHash === hash) return undefined;
  return store.import(parseImportFile(JSON.parse(text)), { demoHash: hash });
}
