// Postgres through DATABASE_URL, set by the heroku-postgresql add-on.
import { Pool } from "pg";

if (!process.env.DATABASE_URL) {
  console.error("DATABASE_URL is not set: provision heroku-postgresql (app.json does it)");
  process.exit(1);
}

export const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 5 });

export interface Task {
  id: number;
  title: string;
  done: boolean;
  created_at: string;
}
