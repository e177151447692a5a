"""A team's own sender as the delivery webhook tests see it: verifies each request's signature and keeps what it got.

    python3 scripts/webhook-receiver.py --dir DIR [--port N]

The secret comes from the environment variable EBBFLOW_DELIVERY_WEBHOOK_SECRET (never an argument,
so it does not show in a process listing). Prints "listening on PORT" once it accepts connections.
Each POST is checked as docs describe: X-Ebbflow-Signature is "t=<unix seconds>,v1=<hex>", v1 is
HMAC-SHA256(secret, "<t>." + body), and t is within 300 s of now. Writes DIR/NNNNNN.json with
{"verified": bool, "headers": {...}, "body": <the JSON body>} and answers by the recipient:
  tempfail*  503          reject*  422          anything else  200 {"message_id": "hook-<send_id>"}
A request whose signature does not verify is answered 401 (and kept, verified false).
"""

import argparse
import hashlib
import hmac
import itertools
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTER = itertools.count(1)


def verifies(secret, header, body):
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        stamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - stamp) > 300:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def handler(directory, secret):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            ok = verifies(secret, self.headers.get("X-Ebbflow-Signature", ""), body)
            try:
                document = json.loads(body)
            except ValueError:
                document = None
            name = f"{next(COUNTER):06d}.json"
            with open(os.path.join(directory, name + ".tmp"), "w") as f:
                json.dump({"verified": ok, "headers": dict(self.headers), "body": document}, f)
            os.rename(os.path.join(directory, name + ".tmp"), os.path.join(directory, name))
            recipient = (document or {}).get("to", "").lower()
            if not ok:
                self.answer(401, {"error": "bad signature"})
            elif recipient.startswith("tempfail"):
                self.answer(503, {"error": "busy"})
            elif recipient.startswith("reject"):
                self.answer(422, {"error": "refused"})
            else:
                self.answer(200, {"message_id": f"hook-{document['send_id']}"})

        def answer(self, status, document):
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    secret = os.environ["EBBFLOW_DELIVERY_WEBHOOK_SECRET"]
    os.makedirs(options.dir, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), handler(options.dir, secret))
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
