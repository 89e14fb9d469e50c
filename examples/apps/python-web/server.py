"""A small web app that needs nothing but Python's standard library.

It binds $PORT on every interface (as Heroku asks, dynos.md BOOT-2), answers every GET with a
greeting that names the dyno, and logs one line per request to stdout.
"""
import http.server
import json
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "python-web-example/1.0"

    def do_GET(self):
        if self.path == "/env":
            body = json.dumps({k: os.environ.get(k) for k in ("DYNO", "PORT", "GREETING")})
            content_type = "application/json"
        else:
            greeting = os.environ.get("GREETING", "Hello")
            body = f"{greeting} from {os.environ.get('DYNO', 'a dyno')}\n"
            content_type = "text/plain; charset=utf-8"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        print(f"{self.command} {self.path} -> {fmt % args}", flush=True)


def main():
    port = int(os.environ["PORT"])
    server = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"listening on port {port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
