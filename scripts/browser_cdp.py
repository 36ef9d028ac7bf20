#!/usr/bin/env python3
"""Drives headless chromium through the Chrome DevTools Protocol (python3
stdlib only: a minimal WebSocket client) for scripts/browser_test.sh.

  browser_cdp.py dashboard URL ADMIN_KEY_FILE VECTORS_FILE OUT_DIR
      Opens the live dashboard, reads its figures twice from the DOM (ids and
      data-* attributes) while a replay runs and requires them to change;
      checks the page's WebCrypto signer against the admin-clock vector of
      tests/client/signing_vectors.txt; pastes the admin key and presses
      Pause then Resume, requiring the feed to report each state (so the
      server accepted the page's signature).
  browser_cdp.py report FILE OUT_DIR
      Opens an nsw-loadgen --html report and requires its SVG charts.

Both record every network request the page makes and fail if one goes
anywhere but loopback (or file:/data:). Screenshots go to OUT_DIR; their
paths are printed. Exit status 0 on success, 1 with a reason otherwise.
Every wait is bounded.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--window-size=1600,1100", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
]


class Failure(Exception):
    pass


class WebSocket:
    """Just enough RFC 6455 for CDP: masked text frames out, frames in."""

    def __init__(self, url, timeout=30):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise Failure("DevTools WebSocket refused: " + head.decode(errors="replace"))

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise Failure("DevTools connection closed")
        self.buf += chunk

    def _read(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        data = text.encode()
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 8:
                raise Failure("DevTools closed the connection")
            if opcode in (0, 1, 2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Browser:
    def __init__(self, chromium, out_dir):
        self.profile = tempfile.mkdtemp(prefix="nsw-chromium-")
        self.log = open(os.path.join(out_dir, "chromium.log"), "w")
        self.proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=self.log, stderr=self.log)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if self.proc.poll() is not None or time.time() > deadline:
                raise Failure("chromium did not start (see chromium.log)")
            time.sleep(0.1)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.requests = []
        self.call("Network.enable")
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        deadline = time.time() + 30
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == "Network.requestWillBeSent":
                self.requests.append(msg["params"]["request"]["url"])
            if msg.get("method") == "Runtime.exceptionThrown":
                raise Failure("page exception: " + json.dumps(msg["params"])[:500])
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise Failure(f"{method}: {msg['error']}")
                return msg.get("result", {})
        raise Failure(f"{method}: no answer within 30 s")

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise Failure(f"evaluating {expression[:80]}: {json.dumps(r['exceptionDetails'])[:400]}")
        return r["result"].get("value")

    def wait_for(self, expression, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(expression):
                return
            time.sleep(0.2)
        raise Failure(f"timed out after {timeout} s waiting for {what}")

    def navigate(self, url):
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", "the page to load")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"browser_test: screenshot {path}")

    def check_loopback_only(self):
        for url in self.requests:
            u = urllib.parse.urlparse(url)
            if u.scheme in ("file", "data", "about", "blob"):
                continue
            if u.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise Failure(f"the page requested {url}: not loopback")
        print(f"browser_test: {len(self.requests)} request(s), all to loopback or local files")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


LOOK = """(() => {
  const q = (id) => document.getElementById(id);
  return {
    frames: Number(document.body.dataset.frames),
    seq: Number(document.body.dataset.seq || 0),
    connected: document.body.dataset.connected,
    arrivals: Number(q('total-arrivals').dataset.value),
    decisions: Number(q('total-arrivals').dataset.decisions),
    sim_us: Number(q('clock').dataset.simUs),
    paused: q('clock').dataset.paused,
    clock_text: q('clock').textContent,
    rows: document.querySelectorAll('#ministry-rows tr[data-ministry]').length,
    row_arrivals: Array.from(document.querySelectorAll('#ministry-rows tr[data-ministry]'))
                       .reduce((s, tr) => s + Number(tr.dataset.arrivals), 0),
    points: q('line-arrivals').getAttribute('points').split(' ').filter(Boolean).length,
    erlang_cells: Array.from(document.querySelectorAll('#ministry-rows tr')).map((tr) => tr.dataset.erlang),
  };
})()"""


def admin_vector(path):
    blocks = open(path).read().split("\n\n")
    for block in blocks:
        fields = dict(line.split(" ", 1) for line in block.strip().split("\n") if " " in line)
        if fields.get("name") == "admin-clock-json":
            return fields
    raise Failure(f"no admin-clock-json vector in {path}")


def dashboard(chromium, url, admin_key_file, vectors, out_dir):
    b = Browser(chromium, out_dir)
    try:
        b.navigate(url)
        b.wait_for("Number(document.body.dataset.frames) >= 2", "two live frames")
        first = b.eval(LOOK)
        print("browser_test: first look", json.dumps({k: first[k] for k in first if k != "erlang_cells"}))
        b.screenshot(os.path.join(out_dir, "dashboard-1.png"))
        if first["rows"] != 13:
            raise Failure(f"expected 13 ministry rows, saw {first['rows']}")
        if first["connected"] != "true":
            raise Failure("the page is not connected to /v1/live")
        b.wait_for(f"Number(document.body.dataset.seq) >= {first['seq'] + 3}", "three more frames")
        second = b.eval(LOOK)
        print("browser_test: second look", json.dumps({k: second[k] for k in second if k != "erlang_cells"}))
        b.screenshot(os.path.join(out_dir, "dashboard-2.png"))
        if not second["arrivals"] > first["arrivals"]:
            raise Failure(f"arrivals did not change between looks ({first['arrivals']} -> {second['arrivals']})")
        if not second["sim_us"] > first["sim_us"]:
            raise Failure("the simulated clock did not move between looks")
        if second["row_arrivals"] != second["arrivals"]:
            raise Failure(f"ministry rows add up to {second['row_arrivals']}, total says {second['arrivals']}")
        if second["points"] < 2:
            raise Failure("the throughput chart has no line")

        # The page's signer against the repository's vector (Python hmac made it).
        v = admin_vector(vectors)
        body = bytes.fromhex(v.get("body_hex", "")).decode() if "body_hex" in v else v.get("body", "")
        args = [v["key"], "admin", v["method"], v["target"], v["host"], v["content_type"], body, int(v["ts"])]
        got = b.eval("nswSign(" + ",".join(json.dumps(a) for a in args) + ")")
        if got != v["authorization"]:
            raise Failure(f"page signer: {got!r}, vector: {v['authorization']!r}")
        print("browser_test: the page's WebCrypto signer matches the admin-clock-json vector")

        # The teacher's way: paste admin.key, press Pause, then Resume.
        key_line = open(admin_key_file).read().strip()
        b.eval(f"document.getElementById('key-input').value = {json.dumps(key_line)}; "
               "document.getElementById('key-save').click(); true")
        b.eval("document.getElementById('pause').click(); true")
        b.wait_for("document.getElementById('message').textContent.startsWith('clock: paused')",
                   "the server to accept the signed pause", timeout=10)
        seq = b.eval("Number(document.body.dataset.seq)")
        b.wait_for(f"Number(document.body.dataset.seq) > {seq} && document.getElementById('clock').dataset.paused === 'true'",
                   "a frame showing the paused clock", timeout=10)
        b.screenshot(os.path.join(out_dir, "dashboard-paused.png"))
        b.eval("document.getElementById('resume').click(); true")
        b.wait_for("document.getElementById('clock').dataset.paused === 'false'", "the resumed clock", timeout=10)
        print("browser_test: pause and resume from the page were accepted (signed with WebCrypto)")
        b.check_loopback_only()
    finally:
        b.close()


def report(chromium, path, out_dir):
    b = Browser(chromium, out_dir)
    try:
        b.navigate("file://" + os.path.abspath(path))
        look = b.eval("""(() => ({
          svgs: document.querySelectorAll('svg').length,
          drawn: Array.from(document.querySelectorAll('svg')).filter(
              (s) => s.querySelector('path, polyline, rect, line, circle') && s.getBoundingClientRect().width > 0).length,
          title: document.title,
          text: document.body.innerText.length,
        }))()""")
        print("browser_test: report", json.dumps(look))
        b.screenshot(os.path.join(out_dir, "report.png"))
        if look["svgs"] < 2 or look["drawn"] < 2:
            raise Failure(f"the report should render at least two SVG charts: {look}")
        b.check_loopback_only()
    finally:
        b.close()


def main(argv):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise Failure("chromium is not installed (scripts/bootstrap.sh --browser)")
    if len(argv) == 6 and argv[1] == "dashboard":
        dashboard(chromium, *argv[2:])
    elif len(argv) == 4 and argv[1] == "report":
        report(chromium, *argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Failure as e:
        print(f"browser_test: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
