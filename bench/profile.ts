/**
 * Reads the V8 CPU profiles the producer wrote under --cpu-prof and lists the functions with the most
 * self time (summed over every profile: one per process, so cluster workers add up).
 */
import fs from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

interface ProfileEntry {
  readonly fn: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  /** Functions by self time. */
  readonly functions: ProfileEntry[];
  /** Self time grouped by package (node_modules/<pkg>), compiled source file, or runtime category. */
  readonly modules: ProfileEntry[];
}

export function summariseProfiles(dir: string, top: number): ProfileSummary {
  const self = new Map<string, { fn: string; where: string; us: number }>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    p.samples.forEach((id, i) => {
      const f = byId.get(id);
      const us = p.timeDeltas[i] ?? 0;
      if (!f) return;
      // idle time is not work; keep (program) and (garbage collector): they are
      if (f.functionName === '(idle)') return;
      total += us;
      const where = f.url ? `${shorten(f.url)}:${f.lineNumber + 1}` : '';
      const key = `${f.functionName}@${where}`;
      const e = self.get(key) ?? { fn: f.functionName || '(anonymous)', where, us: 0 };
      e.us += us;
      self.set(key, e);
      const mod = moduleOf(f.url, f.functionName);
      byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    });
  }
  const entry = (fn: string, where: string, us: number): ProfileEntry => ({ fn, where, selfMs: Math.round(us / 1000), share: total > 0 ? us / total : 0 });
  return {
    functions: [...self.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => entry(e.fn, e.where, e.us)),
    modules: [...byModule.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([m, us]) => entry(m, '', us)),
  };
}

/** node_modules/<package>, dist/<file>, node:<internal area>, or the V8 category (native, GC, wasm). */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : 'native (TLS, sockets, fs, crypto)';
  if (url.startsWith('wasm://')) return 'wasm (libxml2: XSD validation)';
  const s = shorten(url);
  const nm = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(s);
  if (nm) return `node_modules/${nm[1]}`;
  if (s.startsWith('node:')) return `node:${s.slice(5).split('/').slice(0, 2).join('/').replace(/:\d+$/, '')}`;
  return s.replace(/:\d+$/, '');
}

function shorten(url: string): string {
  const s = url.replace(/^file:\/\//, '');
  const i = s.lastIndexOf('/node_modules/');
  if (i >= 0) return s.slice(i + 1);
  const d = s.indexOf('/dist/');
  return d >= 0 ? s.slice(d + 1) : s;
}
