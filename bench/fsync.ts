/**
 * What durability itself costs on this machine, the anchor of the 1-connection durability target
 * (docs/performance.md, "How we measure"):
 *
 * - SQLite: a commit-sized write (16 KiB) plus `fdatasync`, on a scratch file in the database's own
 *   directory (so on its file system), overwriting blocks already allocated, as SQLite reuses its WAL.
 * - PostgreSQL: the commit latency of a one-row INSERT with `synchronous_commit` on, minus the same with
 *   it off, in alternating blocks on one session of the bench's own schema.
 *
 * Both take the median, which a few slow syncs (another process flushing) do not move.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const WRITE_BYTES = 16 * 1024;
/** Blocks of the scratch file, written in turn (a WAL of a few hundred KiB). */
const BLOCKS = 32;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const round2 = (v: number) => Math.round(v * 100) / 100;

/** The file system type of the mount that holds `file` (from /proc/mounts), e.g. "ext4"; "unknown" off Linux. */
export function filesystemOf(file: string, mounts = readMounts()): string {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    real = path.resolve(file);
  }
  let best: { dir: string; type: string } | undefined;
  for (const m of mounts) {
    const inside = real === m.dir || real.startsWith(m.dir.endsWith('/') ? m.dir : `${m.dir}/`);
    if (inside && (!best || m.dir.length >= best.dir.length)) best = m;
  }
  return best?.type ?? 'unknown';
}

function readMounts(): Array<{ dir: string; type: string }> {
  try {
    return fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [, dir, type] = line.split(' ');
        // /proc/mounts escapes spaces and the like as octal (\040)
        return { dir: (dir ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), type: type ?? 'unknown' };
      });
  } catch {
    return [];
  }
}

/** `samples` timings (ms) of a 16 KiB write plus fdatasync in `dir`; the scratch file is removed again. */
export async function sqliteFsyncSamples(dir: string, samples: number): Promise<number[]> {
  const file = path.join(dir, `.bench-fsync-${process.pid}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  const block = Buffer.alloc(WRITE_BYTES, 0x5a);
  try {
    for (let i = 0; i < BLOCKS; i++) fs.writeSync(fd, block, 0, WRITE_BYTES, i * WRITE_BYTES);
    fs.fsyncSync(fd);
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      block.writeUInt32LE(i, 0);
      fs.writeSync(fd, block, 0, WRITE_BYTES, (i % BLOCKS) * WRITE_BYTES);
      const t = process.hrtime.bigint();
      fs.fdatasyncSync(fd);
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
      // Let the event loop turn between samples, as commits arrive between requests.
      await new Promise((r) => setImmediate(r));
    }
    return out;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

/** Commit latencies (ms) of one-row INSERTs with synchronous_commit on and off, alternating in blocks. */
export async function postgresCommitSamples(url: string, schema: string, perSide: number): Promise<{ on: number[]; off: number[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const table = `"${schema}".bench_fsync`;
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, v text NOT NULL)`);
    const out = { on: [] as number[], off: [] as number[] };
    const block = 10;
    for (let i = 0; out.on.length < perSide || out.off.length < perSide; i++) {
      const side = i % 2 === 0 ? 'on' : 'off';
      await client.query(`SET synchronous_commit = ${side}`);
      for (let j = 0; j < block; j++) {
        const t = process.hrtime.bigint();
        await client.query(`INSERT INTO ${table} (v) VALUES ($1)`, ['x'.repeat(100)]);
        out[side].push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    await client.query(`DROP TABLE ${table}`);
    return out;
  } finally {
    await client.end();
  }
}
