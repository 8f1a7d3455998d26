"""`assistant serve` ready time, a cold `assistant ask` to its first answer byte, and `assistant --help`,
in two checkouts, alternating, one at a time.

Usage: python scripts/serve_ready_bench.py OLD_CHECKOUT NEW_CHECKOUT OUT.json [OLD_READY_PATH]
(e.g. a `git worktree add /tmp/old 832004d`). Both run with this Python and the index of NEW_CHECKOUT.
A checkout from before the /v1 API had no /readyz: its page answered only after the warm-up, so pass "/".
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

PY = sys.executable
OLD, NEW, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
OLD_PATH = sys.argv[4] if len(sys.argv) > 4 else "/readyz"


def port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("SUMMIT_")}
    e.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", SUMMIT_PATHS__INDEX=os.path.join(NEW, "index"))
    return e


def ready(cwd, path):
    p = port()
    t = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "-m", "assistant.cli", "serve", "--port", str(p)],
        cwd=cwd,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{p}{path}", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t
            except OSError:
                pass
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(30)


def helptime(cwd):
    t = time.perf_counter()
    subprocess.run([PY, "-m", "assistant.cli", "--help"], cwd=cwd, env=env(), capture_output=True)
    return time.perf_counter() - t


def cold_ask(cwd):
    """Launch to the first byte of the answer, with the default local model (1.5B)."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "-m", "assistant.cli", "ask", "Wie hoch ist der Verteidigungshaushalt 2026?"],
        cwd=cwd,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    proc.stdout.read(1)
    first = time.perf_counter() - t
    proc.stdout.read()
    proc.wait()
    return first


res = {"old_ready": [], "new_ready": [], "old_help": [], "new_help": [], "old_ask": [], "new_ask": []}
for _ in range(3):
    res["old_ready"].append(ready(OLD, OLD_PATH))
    res["new_ready"].append(ready(NEW, "/readyz"))
    res["old_ask"].append(cold_ask(OLD))
    res["new_ask"].append(cold_ask(NEW))
for _ in range(5):
    res["old_help"].append(helptime(OLD))
    res["new_help"].append(helptime(NEW))
out = {k: {"runs": [round(x, 2) for x in v], "median": round(statistics.median(v), 2)} for k, v in res.items()}
out["ready_ratio_new_over_old"] = round(out["new_ready"]["median"] / out["old_ready"]["median"], 3)
out["ask_ratio_new_over_old"] = round(out["new_ask"]["median"] / out["old_ask"]["median"], 3)
out["help_ratio_new_over_old"] = round(out["new_help"]["median"] / out["old_help"]["median"], 3)
out["what"] = (
    "assistant serve: seconds from start until ready (GET /readyz 200, or the old page after its warm-up), "
    "a cold assistant ask to its first answer byte, and assistant --help; alternating, one at a time"
)
print(json.dumps(out, indent=1))
with open(OUT, "w") as fh:
    fh.write(json.dumps(out, indent=1) + "\n")
