"""The placeholder storefront: what the stacks run until compute.image names the real storefront's image.

It exists so a first deployment is healthy: the ALB's target group, the Route 53 health checks and the failover
automation all follow the configured health path, and an image that does not answer it (nginx listens on 80 and
serves no /health/deep) would look like an outage from the first minute. It answers on $PORT:
- GET /health/live and /health/deep: 200 with JSON that says it is the placeholder and which region it runs in;
  it checks nothing behind it, so its "deep" health only proves the path DNS -> ALB -> task works.
- GET /: 200, a page that says the storefront is not deployed yet. Anything else: 404.
Standard library only: the program passes this file to `python3 -c` in a stock Python image, so nothing is built.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEALTH_PATHS = ("/health/live", "/health/deep")


class PlaceholderHandler(BaseHTTPRequestHandler):
    server_version = "storefront-placeholder"

    def do_GET(self):  # noqa: N802 - the name http.server dispatches to
        path = self.path.split("?", 1)[0]
        if path in HEALTH_PATHS:
            self._send(200, "application/json", json.dumps({
                "status": "ok", "placeholder": True, "check": path.rsplit("/", 1)[-1],
                "region": os.environ.get("AWS_REGION"), "role": os.environ.get("DR_ROLE"),
                "note": "placeholder storefront: nothing behind this endpoint is checked"}))
        elif path == "/":
            self._send(200, "text/plain; charset=utf-8", "The storefront is not deployed yet (placeholder).\n")
        else:
            self._send(404, "text/plain; charset=utf-8", "not found\n")

    def _send(self, status, content_type, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    ThreadingHTTPServer(("", int(os.environ["PORT"])), PlaceholderHandler).serve_forever()
