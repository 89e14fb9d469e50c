// The release phase (Procfile `release:`): brings the database schema up to date before
// any dyno of the new release starts. Each migration runs once, in order, and is recorded.
const { Client } = require("pg");

const migrations = [
  ["001_create_entries",
   `CREATE TABLE entries (
      id serial PRIMARY KEY,
      name text NOT NULL,
      message text NOT NULL,
      dyno text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`],
  ["002_index_entries_by_time", "CREATE INDEX entries_created_at ON entries (created_at)"],
];

async function main() {
  if (!process.env.DATABASE_URL) {
    throw new Error("DATABASE_URL is not set: lokku addons:create heroku-postgresql");
  }
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  await db.query("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY)");
  const done = new Set((await db.query("SELECT name FROM schema_migrations")).rows.map((r) => r.name));
  for (const [name, sql] of migrations) {
    if (done.has(name)) {
      continue;
    }
    await db.query("BEGIN");
    await db.query(sql);
    await db.query("INSERT INTO schema_migrations (name) VALUES ($1)", [name]);
    await db.query("COMMIT");
    console.log(`migrated ${name}`);
  }
  console.log(`schema up to date (${migrations.length} migrations)`);
  await db.end();
}

main().catch((err) => {
  console.error(`migration failed: ${err.message}`);
  process.exit(1);
});
