// Redis through REDIS_URL, set by the heroku-redis add-on: the board's open-task count is
// cached there, so every web dyno shares one cache.
import { createClient } from "redis";

export const cache = createClient({ url: process.env.REDIS_URL });
cache.on("error", (err: Error) => console.error(`redis: ${err.message}`));

export const OPEN_COUNT_KEY = "taskboard:open";
