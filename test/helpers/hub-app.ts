/**
 * The case-hub end-to-end tests on both engines: a test app on SQLite, and on PostgreSQL (in a fresh schema of
 * TEST_DATABASE_URL, dropped afterwards) when that is set; with CI=true and no URL the PostgreSQL suite fails
 * instead of skipping, as in helpers/engines.ts.
 */
import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './app-fixture.js';

export type HubEngine = 'sqlite' | 'postgres';

/** Runs `body` once per engine; `start` opens a test app on that engine (closed by the caller). */
export function forEachHubEngine(name: string, body: (start: (env?: Record<string, string>) => Promise<TestApp>, engine: HubEngine) => void): void {
  const url = process.env.TEST_DATABASE_URL;
  describe(`${name} [sqlite]`, () => body((env = {}) => startTestApp({ PRODUCER_DEMO_DATA: 'false', ...env }), 'sqlite'));
  describe(`${name} [postgres]`, { skip: !url && process.env.CI !== 'true' ? 'TEST_DATABASE_URL not set' : false }, () =>
    body(async (env = {}) => {
      if (!url) throw new Error('CI=true requires TEST_DATABASE_URL');
      const schema = `t_hub_${randomBytes(5).toString('hex')}`;
      const admin = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
      await admin.initialize();
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await admin.destroy();
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      const t = await startTestApp({ PRODUCER_DEMO_DATA: 'false', DATABASE_URL: u.toString(), ...env });
      return {
        ...t,
        async close() {
          await t.close();
          const drop = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
          await drop.initialize();
          await drop.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await drop.destroy();
        },
      };
    }, 'postgres'),
  );
}
