// Runs at build time (lokku/nodejs runs `npm run build`): renders the site into public/.
const fs = require("fs");
const path = require("path");

const out = path.join(__dirname, "public");
fs.mkdirSync(out, { recursive: true });
const builtAt = new Date().toISOString();
const html = `<!DOCTYPE html>
<html>
  <head><meta charset="utf-8"><title>chained</title></head>
  <body>
    <h1>Built by Node.js ${process.version}, served by Python</h1>
    <p>Built at ${builtAt} from source version ${process.env.SOURCE_VERSION || "unknown"}.</p>
    <p><a href="/api/info">/api/info</a> tells which dyno and release answered.</p>
  </body>
</html>
`;
fs.writeFileSync(path.join(out, "index.html"), html);
console.log(`wrote public/index.html (${html.length} bytes)`);
