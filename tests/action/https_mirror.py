"""A static HTTPS server for the install and release tests (stdlib only).

Usage: https_mirror.py ROOT CERT KEY LOG PORT_FILE
Serves ROOT on 127.0.0.1 (a free port, written to PORT_FILE once it
listens) with the certificate CERT and its key KEY, and appends
`GET <path>` to LOG for every request. A path under `/to-http/` answers a
redirect to plain http, which the installer's curl must refuse.
"""
import functools
import http.server
import os
import ssl
import sys

root, cert, key, log_path, port_file = sys.argv[1:6]

class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        with open(log_path, "a") as log:
            log.write(f"GET {self.path}\n")
        if self.path.startswith("/to-http/"):
            # A redirect to plain http: curl --proto '=https' must refuse it.
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/" + self.path[9:])
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass

httpd = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(Handler, directory=root))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(httpd.server_address[1]))
os.rename(port_file + ".tmp", port_file)
httpd.serve_forever()
