// app.json's pr-predestroy: runs in a review app just before it is removed with its add-ons.
import { db } from "../db";

async function main(): Promise<void> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM tasks");
  console.log(`review app of ${process.env.HEROKU_BRANCH ?? "?"}: discarding ${rows[0].n} tasks`);
  await db.end();
}

main().catch((err: Error) => {
  console.error(`pr-predestroy failed: ${err.message}`);
  process.exit(1);
});
