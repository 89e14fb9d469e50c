// The taskboard's web process (Procfile `web: node dist/server.js`): an Express app on $PORT.
import express, { NextFunction, Request, Response } from "express";
import { cache, OPEN_COUNT_KEY } from "./cache";
import { db, Task } from "./db";

const app = express();
app.use(express.json({ limit: "16kb" }));

async function openCount(): Promise<{ open: number; cached: boolean }> {
  const hit = await cache.get(OPEN_COUNT_KEY);
  if (hit !== null) return { open: Number(hit), cached: true };
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM tasks WHERE NOT done");
  await cache.set(OPEN_COUNT_KEY, String(rows[0].n), { EX: 60 });
  return { open: rows[0].n, cached: false };
}

app.get("/", async (_req: Request, res: Response) => {
  const { open, cached } = await openCount();
  res.json({
    title: process.env.TASKBOARD_TITLE ?? "Taskboard",
    branch: process.env.HEROKU_BRANCH ?? null,
    release: process.env.HEROKU_RELEASE_VERSION ?? null,
    dyno: process.env.DYNO ?? "local",
    node: process.version,
    open,
    cached,
  });
});

app.get("/tasks", async (_req: Request, res: Response) => {
  const { rows } = await db.query<Task>(
    "SELECT id, title, done, created_at FROM tasks ORDER BY id");
  res.json(rows);
});

app.post("/tasks", async (req: Request, res: Response) => {
  const title = typeof req.body?.title === "string" ? req.body.title.trim() : "";
  if (title.length === 0 || title.length > 200) {
    res.status(422).json({ error: "title must be 1 to 200 characters" });
    return;
  }
  const { rows } = await db.query<Task>(
    "INSERT INTO tasks (title) VALUES ($1) RETURNING id, title, done, created_at", [title]);
  await cache.del(OPEN_COUNT_KEY);
  res.status(201).json(rows[0]);
});

app.post("/tasks/:id/done", async (req: Request, res: Response) => {
  const { rowCount } = await db.query("UPDATE tasks SET done = true WHERE id = $1",
                                      [Number(req.params.id)]);
  if (rowCount === 0) {
    res.status(404).json({ error: `no task ${req.params.id}` });
    return;
  }
  await cache.del(OPEN_COUNT_KEY);
  res.json({ id: Number(req.params.id), done: true });
});

app.get("/digests", async (_req: Request, res: Response) => {
  const { rows } = await db.query(
    "SELECT open_tasks, done_tasks, made_by, made_at FROM digests ORDER BY id DESC LIMIT 10");
  res.json(rows);
});

// Express 4 does not catch a rejected promise by itself.
app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
  console.error(`error: ${err.message}`);
  res.status(500).json({ error: "internal error" });
});

async function main(): Promise<void> {
  await cache.connect();
  const port = Number(process.env.PORT ?? 5000);
  const server = app.listen(port, () => console.log(`taskboard listening on port ${port}`));
  // The dyno manager stops a dyno with SIGTERM, then SIGKILL after the grace period.
  process.on("SIGTERM", () => {
    console.log("SIGTERM: finishing requests in flight");
    server.close(async () => {
      await Promise.allSettled([db.end(), cache.quit()]);
      process.exit(0);
    });
  });
}

main().catch((err: Error) => {
  console.error(`taskboard failed to start: ${err.message}`);
  process.exit(1);
});
