"""Shared scaffolding of the system tests that drive `cloudchain devnet` (the PoS tests):
a TestCase with its devnet directory, the `devnet` runner, cleanup that never leaves a
daemon behind, restarting one node, and HTTP reads of a node by its "host:port".

The daemons run detached (their own session), so cleanup is `devnet down` and, should
that fail, SIGKILL of each recorded pid whose command line is still that home's daemon.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess

from harness import SystemTestCase, cli_binary, daemon_binary, http_request

TIMEOUT_S = 180


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def get(address: str, path: str):
    """GET a node's API at "host:port"; the JSON body, or AssertionError on another status."""
    host, port = address.rsplit(":", 1)
    r = http_request(host, int(port), "GET", path, timeout=5)
    if r.status != 200:
        raise AssertionError(f"GET {path} -> {r!r}")
    return r.json


def try_get(address: str, path: str):
    """As get(), None while the node does not answer."""
    try:
        return get(address, path)
    except (OSError, AssertionError):
        return None


class DevnetCase(SystemTestCase):
    """self.dir is the devnet directory; tearDown takes every daemon down."""

    def setUp(self) -> None:
        super().setUp()
        self.dir = self.tmp / "devnet"
        self.env = dict(os.environ, CLOUDCHAIND=daemon_binary())
        self.extra: list[subprocess.Popen] = []  # daemons this test started itself

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`cloudchain ARGS`; fails the test on a non-zero exit when `check`."""
        r = subprocess.run([cli_binary(), *args], capture_output=True, text=True, timeout=TIMEOUT_S, env=self.env,
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            self.fail(f"$ cloudchain {' '.join(args)}\nexit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def devnet(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli("devnet", *args, "--dir", str(self.dir), check=check)

    def state(self) -> dict:
        return json.loads((self.dir / "devnet.json").read_text())

    def devnet_down(self) -> None:
        for proc in self.extra:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.extra.clear()
        if not (self.dir / "devnet.json").exists():
            return
        self.devnet("down", "--stop-timeout", "10", check=False)
        for node in self.state()["nodes"]:
            pid = node.get("pid")
            if pid and alive(pid) and node["home"] in cmdline(pid):
                os.kill(pid, signal.SIGKILL)

    def tearDown(self) -> None:
        self.devnet_down()
        super().tearDown()

    def start_daemon(self, node: dict, env: dict | None = None) -> subprocess.Popen:
        """Starts node's daemon again (after a kill), its output appended to its log."""
        with open(node["log"], "a") as log:
            proc = subprocess.Popen([daemon_binary(), "--home", node["home"]], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True, env=env or os.environ.copy())
        self.extra.append(proc)
        return proc

    def log_tails(self, lines: int = 40) -> str:
        out = []
        for node in self.state()["nodes"]:
            text = pathlib.Path(node["log"]).read_text(errors="replace").splitlines()
            out.append(f"--- {node['name']} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(out)
