// app.json's postdeploy: runs once, after the app's first release, to seed its data.
const { Client } = require("pg");

async function main() {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  await db.query("INSERT INTO entries (name, message, dyno) VALUES ($1, $2, $3)",
                 ["lokku", process.env.WELCOME_MESSAGE, process.env.DYNO]);
  console.log("seeded the guestbook with a welcome entry");
  await db.end();
}

main().catch((err) => {
  console.error(`seeding failed: ${err.message}`);
  process.exit(1);
});
