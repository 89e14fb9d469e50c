// The release phase (Procfile `release:`): brings the schema up to date before a release's
// dynos start. Runs in every release, so each migration is applied once and recorded.
import { db } from "./db";

const migrations: Array<[string, string]> = [
  ["001_create_tasks", `CREATE TABLE tasks (
      id serial PRIMARY KEY,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      done boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now())`],
  ["002_create_digests", `CREATE TABLE digests (
      id serial PRIMARY KEY,
      open_tasks integer NOT NULL,
      done_tasks integer NOT NULL,
      made_by text NOT NULL,
      made_at timestamptz NOT NULL DEFAULT now())`],
];

async function main(): Promise<void> {
  const client = await db.connect();
  try {
    // One release phase at a time: two releases racing would apply a migration twice.
    await client.query("SELECT pg_advisory_lock(4242)");
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string }>("SELECT name FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.name));
    for (const [name, sql] of migrations) {
      if (applied.has(name)) continue;
      await client.query("BEGIN");
      await client.query(sql);
      await client.query("INSERT INTO schema_migrations (name) VALUES ($1)", [name]);
      await client.query("COMMIT");
      console.log(`migrated ${name}`);
    }
    console.log(`schema up to date (${migrations.length} migrations)`);
  } finally {
    client.release();
    await db.end();
  }
}

main().catch((err: Error) => {
  console.error(`migration failed: ${err.message}`);
  process.exit(1);
});
