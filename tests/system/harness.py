"""System-test harness: real `cloudchaind` processes and the real `cloudchain` CLI on
loopback, driven from Python's standard library only.

What it guarantees:
  * Every daemon it starts is stopped: each runs in its own process group, dies with
    this process (PR_SET_PDEATHSIG, so even a SIGKILL from CTest's timeout leaves no
    daemon behind), and is killed by an atexit hook and by the tests' tearDown.
  * Every daemon's output (the log goes to stderr) lands in a file in the test's temp
    dir; a failed wait prints its tail, and SystemTestCase prints the tail of every
    node's log when a test fails.
  * No fixed sleeps where polling works: wait_for() polls a predicate until a deadline
    and fails naming what it waited for.

Binaries come from $CLOUDCHAIND and $CLOUDCHAIN (CTest sets them), else from
$BUILD/apps/... (default build/). A missing binary is a test error, not a skip: a
system test that silently does nothing cannot fail.
"""

from __future__ import annotations

import atexit
import ctypes
import http.client
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Any, Callable, Iterable

REPO = pathlib.Path(__file__).resolve().parents[2]

# Generous: CI machines are loaded (2 cores shared by several builds).
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 15.0
CLI_TIMEOUT_S = 180.0

# A throwaway password for devnet keys; the keystore uses the cheap "minimal" KDF.
TEST_PASSWORD = "system-test-password"


def _binary(env_name: str, relative: str) -> str:
    path = os.environ.get(env_name)
    if not path:
        path = str(REPO / os.environ.get("BUILD", "build") / relative)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{env_name}: no executable at {path} (build it, or set ${env_name})")
    return path


def daemon_binary() -> str:
    return _binary("CLOUDCHAIND", "apps/cloudchaind/cloudchaind")


def cli_binary() -> str:
    return _binary("CLOUDCHAIN", "apps/cloudchain/cloudchain")


def free_port() -> int:
    """A loopback port that was free a moment ago (bind to port 0, read it, close).
    Another process may take it before the daemon binds it; Node.start retries then."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WaitTimeout(AssertionError):
    pass


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.05,
             on_timeout: Callable[[], str] | None = None) -> Any:
    """Polls `predicate` until it returns a truthy value, which is returned. Connection
    errors count as "not yet". Fails after `timeout` seconds naming `what` (and the last
    exception, and on_timeout()'s text, if any)."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, http.client.HTTPException, ValueError) as e:
            last_error = e
        if time.monotonic() >= deadline:
            message = f"timed out after {timeout:.0f} s waiting for {what}"
            if last_error is not None:
                message += f" (last error: {last_error!r})"
            if on_timeout is not None:
                message += "\n" + on_timeout()
            raise WaitTimeout(message)
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)


# --- process bookkeeping ---------------------------------------------------------------

_live: set[subprocess.Popen] = set()


def _kill_all_live() -> None:
    for proc in list(_live):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        _live.discard(proc)


atexit.register(_kill_all_live)


def _die_with_parent() -> None:
    """preexec_fn: a new process group, and SIGKILL when this Python process dies."""
    os.setpgid(0, 0)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


# --- HTTP ----------------------------------------------------------------------------

class Response:
    """An HTTP answer: status, headers (lower-case names), raw body and parsed JSON (None
    when the body is empty or not JSON)."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __iter__(self):  # (status, headers, json) = node.api(...)
        return iter((self.status, self.headers, self.json))

    def __repr__(self) -> str:
        return f"Response({self.status}, {self.headers.get('content-type')}, {self.body[:300]!r})"


def http_request(host: str, port: int, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None, timeout: float = HTTP_TIMEOUT_S) -> Response:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


# --- the daemon ----------------------------------------------------------------------

class NodeError(AssertionError):
    pass


class Node:
    """One cloudchaind with its home under `workdir/name`. Not thread-safe."""

    def __init__(self, workdir: pathlib.Path, name: str = "node"):
        self.name = name
        self.dir = pathlib.Path(workdir) / name
        self.home = self.dir / "home"
        self.log_path = self.dir / "cloudchaind.log"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        # The P2P listener: chosen once (free_port) and kept across restarts, so the
        # other nodes' seeds stay valid; `seeds` are passed as --seed on every start.
        self.p2p_port: int | None = None
        self.seeds: list[str] = []
        self.starts = 0

    # -- lifecycle --

    def init(self, allocations: dict[str, int] | None = None, block_time_ms: int | None = None,
             extra_args: Iterable[str] = ()) -> str:
        """`cloudchaind init --home HOME [--alloc A=N ...]`; returns its stdout."""
        argv = [daemon_binary(), "init", "--home", str(self.home)]
        for address, amount in (allocations or {}).items():
            argv += ["--alloc", f"{address}={amount}"]
        if block_time_ms is not None:
            argv += ["--block-time-ms", str(block_time_ms)]
        argv += list(extra_args)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise NodeError(f"cloudchaind init failed (exit {r.returncode}): {' '.join(argv)}\n"
                            f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r.stdout

    @property
    def admin_token(self) -> str:
        return (self.home / "admin.token").read_text().strip()

    def start(self, mine: bool = True, miner_address: str | None = None, threads: int = 1,
              extra_args: Iterable[str] = (), wait: bool = True, timeout: float = START_TIMEOUT_S) -> None:
        """Starts the daemon on a free loopback port and (with `wait`) waits until
        /v1/status answers 200. Fails with the log's tail if it exits or never answers."""
        if self.running():
            raise NodeError(f"{self.name}: start() while running")
        if self.p2p_port is None:
            self.p2p_port = free_port()
        for attempt in range(3):
            self.port = free_port()
            argv = [daemon_binary(), "--home", str(self.home), "--api-listen", f"127.0.0.1:{self.port}",
                    "--p2p-listen", f"127.0.0.1:{self.p2p_port}"]
            for seed in self.seeds:
                argv += ["--seed", seed]
            if mine:
                argv.append("--mine")
                argv += ["--threads", str(threads)]
            if miner_address is not None:
                argv += ["--miner-address", miner_address]
            argv += list(extra_args)
            self._spawn(argv)
            if not wait:
                return
            try:
                self.wait_ready(timeout)
                return
            except NodeError:
                # The port was taken between free_port() and the daemon's bind: retry.
                if self.proc is not None and self.proc.poll() is not None and "api_bind_failed" in self.log_tail(20):
                    continue
                raise
        raise NodeError(f"{self.name}: no free port after 3 attempts\n{self.log_tail()}")

    def _spawn(self, argv: list[str]) -> None:
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(argv)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent, close_fds=True)
        _live.add(self.proc)
        self.argv = argv

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> dict:
        def ready():
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise NodeError(f"{self.name}: cloudchaind exited with status {code} before its API answered\n"
                                f"{self.log_tail()}")
            r = self.api("/v1/status", timeout=2)
            return r.json if r.status == 200 else None

        try:
            return wait_for(ready, timeout, f"{self.name}: GET /v1/status to answer 200",
                            on_timeout=self.log_tail)
        except WaitTimeout as e:
            raise NodeError(str(e)) from None

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM, then waits for a graceful exit; returns the exit status. A node that
        does not stop in time is killed and the test fails."""
        if self.proc is None:
            return 0
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill_group(proc)
                raise NodeError(f"{self.name}: did not stop within {timeout:.0f} s of SIGTERM\n{self.log_tail()}")
        _live.discard(proc)
        return proc.returncode

    def kill9(self) -> None:
        """SIGKILL to the daemon's process group: no shutdown code runs."""
        if self.proc is None:
            return
        self._kill_group(self.proc)

    def _kill_group(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        _live.discard(proc)

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._kill_group(self.proc)

    def wait_exit(self, timeout: float = STOP_TIMEOUT_S) -> int:
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise NodeError(f"{self.name}: still running after {timeout:.0f} s\n{self.log_tail()}") from None
        _live.discard(self.proc)
        return code

    # -- logs --

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_of_last_start(self) -> str:
        """The daemon's output since the latest start() (without the harness's own
        marker line, which repeats the command line)."""
        text = self.log_text()
        section = text[text.rfind(f"===== start #{self.starts}:"):]
        return section.partition("\n")[2]

    def log_tail(self, lines: int = 60) -> str:
        tail = self.log_text().splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)

    # -- HTTP --

    @property
    def p2p_address(self) -> str:
        """"127.0.0.1:PORT" of the P2P listener (known once start() ran)."""
        if self.p2p_port is None:
            raise NodeError(f"{self.name}: no P2P port yet (start it first)")
        return f"127.0.0.1:{self.p2p_port}"

    def peers(self) -> list[dict]:
        """GET /v1/peers "peers"."""
        return self.get_json("/v1/peers")["peers"]

    def ready_peers(self) -> int:
        return sum(1 for p in self.peers() if p.get("ready"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = HTTP_TIMEOUT_S) -> Response:
        if self.port is None:
            raise NodeError(f"{self.name}: not started")
        return http_request("127.0.0.1", self.port, method, path, body, headers, timeout)

    def api(self, path: str, timeout: float = HTTP_TIMEOUT_S) -> Response:
        """GET; returns a Response that unpacks as (status, headers, json)."""
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, doc: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None,
             timeout: float = HTTP_TIMEOUT_S) -> Response:
        """POST `doc` as JSON (or `raw` bytes as they are)."""
        body = raw if raw is not None else json.dumps(doc).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", path, body, h, timeout)

    def get_json(self, path: str) -> Any:
        """GET that must answer 200 with JSON."""
        r = self.api(path)
        if r.status != 200 or r.json is None:
            raise NodeError(f"{self.name}: GET {path} -> {r!r}")
        return r.json

    def send_transfer(self, secret: bytes, amount: int = 5, nonce: int = 0, fee: int = 1_000) -> str:
        """POST /v1/txs a transfer signed with `secret` to a fresh random address; must be
        accepted (202). Returns its txid."""
        import secrets  # noqa: PLC0415 (only the tests that send need these)
        import txcodec as tc  # noqa: PLC0415
        to = tc.address_bytes(tc.public_key(secrets.token_bytes(32)))
        tx = tc.signed_tx(secret, self.status()["chain_id"], tc.KIND_TRANSFER, nonce, fee, tc.transfer_body(to, amount))
        r = self.post("/v1/txs", {"tx": tx.hex()})
        if r.status != 202 or r.json is None:
            raise NodeError(f"{self.name}: POST /v1/txs -> {r!r}")
        return r.json["txid"]

    def tx_status(self, txid: str) -> str | None:
        """"included" or "pending" from GET /v1/txs/{txid}; None for a 404.

        KNOWN BUG (api_tx_lookup_test): for a moment around a block's connection the API
        answers 404 tx_not_found for a transaction it accepted: get_tx reads the chain's
        index from a snapshot taken before the block is committed, then asks the mempool,
        which dropped the transaction once the block was committed. Callers that poll
        treat None as "not yet"; api_tx_lookup_test asserts the contract itself."""
        r = self.api(f"/v1/txs/{txid}")
        if r.status == 404 and r.json is not None and r.json.get("code") == "tx_not_found":
            return None
        if r.status != 200 or r.json is None:
            raise NodeError(f"{self.name}: GET /v1/txs/{txid} -> {r!r}")
        return r.json["status"]

    def status(self) -> dict:
        return self.get_json("/v1/status")

    def height(self) -> int:
        return int(self.status()["height"])

    def wait_height(self, height: int, timeout: float = 60) -> dict:
        """Waits until the tip is at `height` or above; returns the status."""
        def reached():
            s = self.status()
            return s if s["height"] >= height else None
        return wait_for(reached, timeout, f"{self.name}: height >= {height}", on_timeout=self.log_tail)

    def admin(self, path: str, doc: Any = None, token: str | None = None) -> Response:
        return self.post(path, doc if doc is not None else {},
                         headers={"Authorization": f"Bearer {self.admin_token if token is None else token}"})


# --- the CLI -------------------------------------------------------------------------

class CliResult:
    def __init__(self, argv: list[str], returncode: int, stdout: str, stderr: str):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        try:
            self.json = json.loads(stdout) if stdout.strip() else None
        except ValueError:
            self.json = None

    def describe(self) -> str:
        return (f"$ {' '.join(self.argv)}\nexit {self.returncode}\nstdout: {self.stdout.strip()}\n"
                f"stderr: {self.stderr.strip()}")


class CliError(AssertionError):
    pass


class Cli:
    """Runs `cloudchain --node URL --keystore DIR --password-file F [--json] ARGS`. The
    node URL is read from `node` at each call, so it follows restarts on a new port."""

    def __init__(self, workdir: pathlib.Path, node: Node | None = None, name: str = "wallet"):
        self.node = node
        self.keystore = pathlib.Path(workdir) / name / "keys"
        self.password_file = pathlib.Path(workdir) / name / "password"
        self.password_file.parent.mkdir(parents=True, exist_ok=True)
        self.password_file.write_text(TEST_PASSWORD + "\n")
        os.chmod(self.password_file, 0o600)

    def run(self, *args: str, json_output: bool = True, check: bool = True, node_url: str | None = None,
            timeout: float = CLI_TIMEOUT_S) -> CliResult:
        argv = [cli_binary()]
        url = node_url if node_url is not None else (self.node.url if self.node is not None and
                                                     self.node.port is not None else None)
        if url is not None:
            argv += ["--node", url]
        argv += ["--keystore", str(self.keystore), "--password-file", str(self.password_file)]
        if json_output:
            argv.append("--json")
        argv += list(args)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCHAIN_")}
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                               stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise CliError(f"$ {' '.join(argv)}\ntimed out after {timeout:.0f} s") from e
        result = CliResult(argv, r.returncode, r.stdout, r.stderr)
        if check and r.returncode != 0:
            raise CliError(result.describe())
        return result

    def new_key(self, label: str, network: str | None = "ccdev") -> str:
        """`keys new --label L --kdf minimal`; returns the address."""
        args = ["keys", "new", "--label", label, "--kdf", "minimal"]
        if network is not None:
            args = ["--network", network] + args
        r = self.run(*args)
        if r.json is None or "address" not in r.json:
            raise CliError("keys new printed no address\n" + r.describe())
        return r.json["address"]

    def balance(self, who: str) -> dict:
        r = self.run("balance", who)
        if r.json is None or r.json.get("proof_verified") is not True:
            raise CliError("balance: no verified answer\n" + r.describe())
        return r.json


# --- test case base ------------------------------------------------------------------

class SystemTestCase(unittest.TestCase):
    """A temp dir per test, nodes made with new_node() that are always killed in
    tearDown, and their logs printed when the test failed."""

    keep_tmp = bool(os.environ.get("SYSTEST_KEEP"))

    def setUp(self) -> None:
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"cc-{self.id().split('.')[-1]}-"))
        self.nodes: list[Node] = []
        self._outcome_failed_before = self._failure_count()

    def new_node(self, name: str = "node") -> Node:
        node = Node(self.tmp, name)
        self.nodes.append(node)
        return node

    def new_funded_miner(self, block_time_ms: int, funds: int = 10**12) -> tuple[Node, bytes]:
        """A started node mining to a fresh address, with a fresh key funded in its genesis;
        returns the node and that key's secret."""
        import secrets
        import txcodec as tc
        secret = secrets.token_bytes(32)
        sender = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secret)))
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        node = self.new_node()
        node.init(allocations={sender: funds}, block_time_ms=block_time_ms)
        node.start(mine=True, miner_address=miner)
        return node, secret

    def new_cli(self, node: Node | None, name: str = "wallet") -> Cli:
        return Cli(self.tmp, node, name)

    def _failure_count(self) -> int:
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return 0
        return len(result.failures) + len(result.errors)

    def tearDown(self) -> None:
        for node in self.nodes:
            node.cleanup()
        failed = self._failure_count() > self._outcome_failed_before or self._current_test_failed()
        if failed:
            for node in self.nodes:
                sys.stderr.write(f"\n{node.log_tail(120)}\n")
            sys.stderr.write(f"(temp dir kept: {self.tmp})\n")
        elif not self.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _current_test_failed(self) -> bool:
        # Python 3.11+: errors of the running test are kept on the outcome until tearDown.
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        if getattr(outcome, "success", True) is False:
            return True
        for _, exc_info in getattr(outcome, "errors", []) or []:
            if exc_info is not None:
                return True
        return False

    # -- assertions --

    def assertProblem(self, r: Response, status: int, code: str | Iterable[str], what: str) -> None:
        """`r` is an application/problem+json answer with this status and code."""
        codes = [code] if isinstance(code, str) else list(code)
        self.assertEqual(r.status, status, f"{what}: {r!r}")
        self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"),
                        f"{what}: content-type {r.headers.get('content-type')!r}")
        self.assertIsInstance(r.json, dict, f"{what}: body {r.body[:200]!r}")
        self.assertIn(r.json.get("code"), codes, f"{what}: {r.json}")
        self.assertEqual(r.json.get("status"), status, f"{what}: {r.json}")
        self.assertEqual(r.json.get("type"), f"https://cloudchain.dev/problems/{r.json.get('code')}", what)
