// app.json's postdeploy: runs once, after the first release of a new app (a review app
// included), to give the board something to show.
import { db } from "./db";

const starters = [
  "Read the release phase's output in lokku logs",
  "Promote staging to production",
  "Add a scheduled digest with lokku scheduler:add",
];

async function main(): Promise<void> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM tasks");
  if (Number(rows[0].n) > 0) {
    console.log("the board has tasks already; nothing to seed");
  } else {
    for (const title of starters) {
      await db.query("INSERT INTO tasks (title) VALUES ($1)", [title]);
    }
    console.log(`seeded the board with ${starters.length} tasks`);
  }
  await db.end();
}

main().catch((err: Error) => {
  console.error(`seed failed: ${err.message}`);
  process.exit(1);
});
