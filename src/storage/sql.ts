/** SQL text helpers shared by every data-access module (a leaf module: only a type import, so no import cycle). */
import type { Engine } from './database.js';

/**
 * Raw SQL in the storage modules is written with `?` for every parameter; this returns the function that
 * turns such text into the engine's form: PostgreSQL's `$1, $2, …`, or unchanged for SQLite. (No
 * statement of ours contains a literal `?` otherwise.)
 */
export function sqlFor(engine: Engine): (text: string) => string {
  if (engine !== 'postgres') return (text) => text;
  return (text) => {
    let i = 0;
    return text.replace(/\?/g, () => `$${++i}`);
  };
}
