"""A stand-in SMS gateway for VillageDayTests (run as `python3 sms_gateway.py LOG PORTFILE [FAILURES]`).

Listens on 127.0.0.1 on an ephemeral port, which it writes to PORTFILE once it accepts. Every POST is answered
503 ("gateway busy") while it is among the first FAILURES requests (default 1), then 200; each request is logged
to LOG as one JSON line: {"n", "status", "key" (the Idempotency-Key header), "authorization", "body"}.
It stops on SIGTERM, and by itself when the process that started it (the test) has gone.
"""

import http.server
import json
import os
import signal
import sys
import threading
import time

log_path, port_path = sys.argv[1], sys.argv[2]
failures = int(sys.argv[3]) if len(sys.argv) > 3 else 1
lock = threading.Lock()
count = 0


class Gateway(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        with lock:
            count += 1
            status = 503 if count <= failures else 200
            with open(log_path, "a", encoding="utf-8") as log:
                entry = {"n": count, "status": status, "key": self.headers.get("Idempotency-Key"),
                         "authorization": self.headers.get("Authorization"), "body": body}
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        reply = b"gateway busy" if status == 503 else b'{"accepted": true}'
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if status == 503 else "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


# A child of the test process may inherit a signal mask that blocks SIGTERM; take the default back.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
with open(port_path + ".tmp", "w") as port_file:
    port_file.write(str(server.server_address[1]))
os.rename(port_path + ".tmp", port_path)
server.serve_forever()
