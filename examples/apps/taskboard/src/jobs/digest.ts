// A scheduled job (lokku scheduler:add "every 10 minutes" "node dist/jobs/digest.js"):
// counts the board's tasks and keeps the count as a digest row.
import { db } from "../db";

async function main(): Promise<void> {
  const { rows } = await db.query<{ open: number; done: number }>(
    `SELECT count(*) FILTER (WHERE NOT done)::int AS open,
            count(*) FILTER (WHERE done)::int AS done FROM tasks`);
  const { open, done } = rows[0];
  await db.query("INSERT INTO digests (open_tasks, done_tasks, made_by) VALUES ($1, $2, $3)",
                 [open, done, process.env.DYNO ?? "local"]);
  console.log(`digest: ${open} open, ${done} done`);
  await db.end();
}

main().catch((err: Error) => {
  console.error(`digest failed: ${err.message}`);
  process.exit(1);
});
