// An HTTP/2 client (Node's http2 module) for the router's TLS port, connecting to 127.0.0.1
// with SNI and :authority HOST, trusting CA only.
//
//   node h2_client.mjs get HOST PORT CA PATH...     all PATHs at once on one connection;
//                                                   prints `PATH STATUS BYTES` per stream
//   node h2_client.mjs break HOST PORT CA PATH MS   cancels the stream after MS ms
//   node h2_client.mjs flood HOST PORT CA N         N streams, each reset as soon as it is
//                                                   sent (CVE-2023-44487's rapid reset);
//                                                   prints how the connection ended
import http2 from "node:http2";
import tls from "node:tls";
import fs from "node:fs";

const [mode, host, port, caFile, ...rest] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const session = http2.connect(`https://${host}:${port}`, {
  createConnection: () =>
    tls.connect({ host: "127.0.0.1", port: Number(port), servername: host, ca, ALPNProtocols: ["h2"] }),
});
session.on("error", (e) => console.log(`session error ${e.code}`));

function get(path) {
  return new Promise((resolve) => {
    const req = session.request({ ":path": path });
    let status = 0;
    let bytes = 0;
    req.on("response", (h) => (status = h[":status"]));
    req.on("data", (d) => (bytes += d.length));
    req.on("end", () => resolve(`${path} ${status} ${bytes}`));
    req.on("error", (e) => resolve(`${path} error ${e.code}`));
    req.end();
  });
}

if (mode === "get") {
  const lines = await Promise.all(rest.map(get));
  console.log(`alpn ${session.alpnProtocol}`);
  for (const l of lines) console.log(l);
  session.close();
} else if (mode === "break") {
  const req = session.request({ ":path": rest[0] });
  req.on("error", () => {});
  req.end();
  setTimeout(() => {
    req.close(http2.constants.NGHTTP2_CANCEL);
    console.log("cancelled");
    setTimeout(() => session.close(), 200);
  }, Number(rest[1]));
} else if (mode === "flood") {
  const n = Number(rest[0]);
  let sent = 0;
  session.on("goaway", (code) => console.log(`goaway ${code}`));
  session.on("close", () => console.log(`closed after ${sent} streams`));
  session.on("connect", () => {
    for (let i = 0; i < n && !session.closed && !session.destroyed; i++) {
      try {
        const req = session.request({ ":path": "/slow" });
        req.on("error", () => {});
        req.close(http2.constants.NGHTTP2_CANCEL);
        sent++;
      } catch (e) {
        break;
      }
    }
    setTimeout(() => session.destroy(), 3000);
  });
}
