// A guestbook: entries in Postgres (DATABASE_URL), visitor sessions in Redis (REDIS_URL), so
// a visitor keeps their session whichever web dyno the router picks.
const http = require("node:http");
const crypto = require("node:crypto");
const { Pool } = require("pg");
const { createClient } = require("redis");

const dyno = process.env.DYNO || "local";
const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const redis = createClient({ url: process.env.REDIS_URL });
redis.on("error", (err) => console.error(`redis: ${err.message}`));

function sessionId(req) {
  const m = /(?:^|;\s*)sid=([0-9a-f]{32})/.exec(req.headers.cookie || "");
  return m ? m[1] : null;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body) + "\n");
}

async function handle(req, res) {
  const url = new URL(req.url, "http://localhost");
  let sid = sessionId(req);
  const headers = {};
  if (!sid) {
    sid = crypto.randomBytes(16).toString("hex");
    headers["Set-Cookie"] = `sid=${sid}; Path=/; HttpOnly`;
  }
  const key = `session:${sid}`;
  const visits = await redis.hIncrBy(key, "visits", 1);
  await redis.expire(key, 86400);

  if (req.method === "POST" && url.pathname === "/entries") {
    const name = url.searchParams.get("name") || "anonymous";
    const message = url.searchParams.get("message") || "";
    const { rows } = await db.query(
      "INSERT INTO entries (name, message, dyno) VALUES ($1, $2, $3) RETURNING id",
      [name, message, dyno]);
    await redis.hSet(key, "name", name);
    return send(res, 201, { id: rows[0].id, dyno }, headers);
  }
  if (url.pathname === "/entries") {
    const { rows } = await db.query(
      "SELECT id, name, message, dyno FROM entries ORDER BY id DESC LIMIT 20");
    return send(res, 200, rows, headers);
  }
  if (url.pathname === "/") {
    const name = await redis.hGet(key, "name");
    const { rows } = await db.query("SELECT count(*)::int AS n FROM entries");
    return send(res, 200, { dyno, visits, name, entries: rows[0].n,
                            release: process.env.HEROKU_RELEASE_VERSION }, headers);
  }
  return send(res, 404, { error: "not found" }, headers);
}

async function main() {
  await redis.connect();
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error(`${req.method} ${req.url}: ${err.message}`);
      send(res, 500, { error: err.message });
    });
  });
  server.listen(process.env.PORT || 5000, () => console.log(`guestbook on ${dyno} listening`));
  process.on("SIGTERM", () => {
    server.close(async () => {
      await Promise.allSettled([db.end(), redis.quit()]);
      process.exit(0);
    });
  });
}

main().catch((err) => {
  console.error(`cannot start: ${err.message}`);
  process.exit(1);
});
