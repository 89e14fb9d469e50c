"""Serves the site that build.js rendered at build time, plus a small JSON endpoint."""
import http.server
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "public")


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=ROOT, **kwargs)

    def do_GET(self):
        if self.path == "/api/info":
            body = json.dumps({
                "dyno": os.environ.get("DYNO"),
                "release": os.environ.get("HEROKU_RELEASE_VERSION"),
                "greeting": os.environ.get("GREETING", "hello"),
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, fmt, *args):
        print(fmt % args, flush=True)


print(f"serving {ROOT} on port {os.environ['PORT']}", flush=True)
http.server.ThreadingHTTPServer(("", int(os.environ["PORT"])), Handler).serve_forever()
