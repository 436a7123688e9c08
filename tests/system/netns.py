"""Network-namespace topologies for system tests: one cloudchaind per namespace, with a
real address on a virtual LAN, links that can be cut and restored, and partitions.

Layout of a Topology of N nodes (names carry this process's pid and a counter, so
parallel runs and leftovers of crashed runs never clash):

    namespace ccnt-<pid>-<k>-sw    the "switch": bridge br0 (and br1.. while partitioned),
                                   and the switch end s<i> of each node's veth
    namespace ccnt-<pid>-<k>-n<i>  node i: lo up, eth0 = 10.<a>.<b>.<i+1>/24

Nothing is created in, moved to or changed in the root namespace: the bridge lives in
the switch namespace, so the host's interfaces, routes and addresses are untouched.
The test process reaches the nodes without any route from the root namespace: it opens
its sockets *inside* a node's namespace (setns(2) on the calling thread for the moment
of socket() and connect(); a socket keeps its namespace for life). So the API listens on
the node's namespace address, and HTTP requests cost no extra process.

Processes run inside a namespace through `ip netns exec NS argv...` (iproute2 execs the
command in place, without forking, so the pid, process group and PR_SET_PDEATHSIG of
harness.Node's spawning apply to the daemon itself).

Cleanup always happens: Topology is a context manager, registers an atexit hook, turns
SIGTERM into SystemExit so the hooks run, and on creation removes namespaces of this
prefix whose owning pid is dead (a run killed with SIGKILL). Deleting a namespace first
SIGKILLs any process still inside it (`ip netns pids`).

Requirements: root (CAP_SYS_ADMIN, CAP_NET_ADMIN), iproute2's `ip`, bridge and veth
support. `available()` says why not, and tests skip with that reason. No ping or
iptables is needed: connectivity is checked with TCP sockets opened in the namespaces.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import zlib
from typing import Callable, Iterable, Iterator, Sequence

import harness

PREFIX = "ccnt-"
CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
API_PORT = 8645
P2P_PORT = 8646
IP_TIMEOUT_S = 30.0

_counter = itertools.count()
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


class NetnsError(RuntimeError):
    pass


def ip_binary() -> str | None:
    return shutil.which("ip") or (os.access("/usr/sbin/ip", os.X_OK) and "/usr/sbin/ip") or None


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs `ip ARGS`; a failure (with `check`) raises NetnsError with its stderr."""
    binary = ip_binary()
    if binary is None:
        raise NetnsError("iproute2's `ip` is not installed")
    argv = [binary, *args]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=IP_TIMEOUT_S, stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise NetnsError(f"$ {' '.join(argv)}\nexit {r.returncode}: {r.stderr.strip()}")
    return r


_availability: tuple[bool, str] | None = None


def available() -> tuple[bool, str]:
    """(True, "") when this process can build topologies, else (False, why). Tries it
    for real once (a namespace with a bridge and a veth), since root alone is not
    enough in a container without CAP_SYS_ADMIN or without the veth/bridge modules."""
    global _availability
    if _availability is not None:
        return _availability
    if sys.platform != "linux":
        _availability = (False, "network namespaces need Linux")
    elif os.geteuid() != 0:
        _availability = (False, "network namespace tests need root (ip netns add); run as root to include them")
    elif ip_binary() is None:
        _availability = (False, "iproute2's `ip` is not installed")
    else:
        name = f"{PREFIX}{os.getpid()}-probe"
        try:
            ip("netns", "add", name)
            try:
                ip("-n", name, "link", "add", "br0", "type", "bridge")
                ip("-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
                _availability = (True, "")
            finally:
                ip("netns", "del", name, check=False)
        except (NetnsError, OSError, subprocess.SubprocessError) as e:
            _availability = (False, f"cannot create network namespaces here: {e}")
    return _availability


# --- entering a namespace from this process ------------------------------------------

def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, CLONE_NEWNET)
        return
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


@contextlib.contextmanager
def entered(namespace: str) -> Iterator[None]:
    """Runs the block with the calling thread in `namespace` (other threads are not
    affected), then returns it to the namespace it was in. Sockets created inside stay
    in `namespace`. Spawn no process inside the block: it would inherit the namespace
    (use exec_argv for that)."""
    target = os.open(os.path.join(NETNS_DIR, namespace), os.O_RDONLY | os.O_CLOEXEC)
    try:
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except BaseException:
        os.close(target)
        raise
    try:
        _setns(target)
        try:
            yield
        finally:
            try:
                _setns(home)
            except OSError as e:
                # A thread left in a test namespace would send everything after this
                # to the wrong network: stop rather than run on.
                sys.stderr.write(f"netns: cannot return to the original namespace: {e}\n")
                os._exit(70)
    finally:
        os.close(target)
        os.close(home)


def connect(namespace: str, host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to host:port opened from inside `namespace`."""
    with entered(namespace):
        return socket.create_connection((host, port), timeout=timeout)


def listen(namespace: str, host: str, port: int = 0) -> socket.socket:
    """A listening TCP socket bound to host:port inside `namespace`."""
    with entered(namespace):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(16)
        except BaseException:
            s.close()
            raise
    return s


class _NetnsHTTPConnection(http.client.HTTPConnection):
    def __init__(self, namespace: str, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._namespace = namespace

    def connect(self) -> None:
        self.sock = connect(self._namespace, self.host, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def http_request(namespace: str, host: str, port: int, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None,
                 timeout: float = harness.HTTP_TIMEOUT_S) -> harness.Response:
    """harness.http_request, from inside `namespace`."""
    conn = _NetnsHTTPConnection(namespace, host, port, timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return harness.Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


def exec_argv(namespace: str, argv: Sequence[str]) -> list[str]:
    """argv that runs `argv` inside `namespace` (same pid: ip execs it in place)."""
    binary = ip_binary()
    if binary is None:
        raise NetnsError("iproute2's `ip` is not installed")
    return [binary, "netns", "exec", namespace, *argv]


# --- namespaces: listing, deleting, stale ones -------------------------------------

def list_namespaces() -> list[str]:
    r = ip("netns", "list", check=False)
    # Lines are "name" or "name (id: 3)".
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def delete_namespace(name: str) -> None:
    """SIGKILLs every process inside `name`, then deletes it. Missing: nothing to do."""
    r = ip("netns", "pids", name, check=False)
    for token in r.stdout.split():
        if token.isdigit() and int(token) != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(token), signal.SIGKILL)
    r = ip("netns", "del", name, check=False)
    if r.returncode != 0 and name in list_namespaces():
        raise NetnsError(f"ip netns del {name}: {r.stderr.strip()}")


def remove_stale() -> list[str]:
    """Deletes namespaces of our prefix whose creating process is gone (a run killed by
    SIGKILL, e.g. a CTest timeout). Those of live processes (a parallel run) stay."""
    removed = []
    for name in list_namespaces():
        m = re.match(rf"^{re.escape(PREFIX)}(\d+)-", name)
        if m is None or int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
            continue
        delete_namespace(name)
        removed.append(name)
    return removed


# --- cleanup on exit ------------------------------------------------------------------

_open_topologies: set["Topology"] = set()
_open_lock = threading.Lock()


def _close_all() -> None:
    with _open_lock:
        topologies = list(_open_topologies)
    for t in topologies:
        t.close()


atexit.register(_close_all)


def _install_sigterm_exit() -> None:
    """SIGTERM (the default kills without atexit) raises SystemExit instead, so context
    managers and atexit hooks delete the namespaces. Only from the main thread, and only
    when nobody installed another handler."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        def on_sigterm(signum, frame):
            raise SystemExit(128 + signum)
        signal.signal(signal.SIGTERM, on_sigterm)


# --- the topology ------------------------------------------------------------------

class Topology:
    """N node namespaces on one bridge in a switch namespace. Use as a context manager
    (or call close(); atexit does it too). Not thread-safe."""

    def __init__(self, n: int):
        if not 1 <= n <= 250:
            raise ValueError(f"Topology: 1..250 nodes, got {n}")
        ok, why = available()
        if not ok:
            raise NetnsError(why)
        self.n = n
        self.prefix = f"{PREFIX}{os.getpid()}-{next(_counter)}-"
        self.switch = self.prefix + "sw"
        self.names = [f"{self.prefix}n{i}" for i in range(n)]
        # 10.a.b.0/24 from the prefix: two topologies alive at once (even of parallel
        # runs) get different subnets with high probability. Each lives in its own
        # namespaces, so a clash could not reach the other one or the host anyway; the
        # distinct subnets only keep logs unambiguous.
        key = zlib.crc32(self.prefix.encode()) & 0xFFFF
        self.subnet = f"10.{64 + key % 128}.{(key >> 7) % 256}"
        self.addresses = [f"{self.subnet}.{i + 1}" for i in range(n)]
        self._group_bridges = 0
        self._closed = False
        self._created: list[str] = []
        remove_stale()
        _install_sigterm_exit()
        with _open_lock:
            _open_topologies.add(self)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _add_namespace(self, name: str) -> None:
        ip("netns", "add", name)
        self._created.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def _build(self) -> None:
        self._add_namespace(self.switch)
        self._add_bridge("br0")
        for i, name in enumerate(self.names):
            self._add_namespace(name)
            # Made in the switch namespace with the peer end placed straight into the
            # node's: neither end ever exists in the root namespace.
            ip("-n", self.switch, "link", "add", self.port(i), "type", "veth", "peer", "name", "eth0",
               "netns", name)
            ip("-n", self.switch, "link", "set", self.port(i), "master", "br0", "up")
            ip("-n", name, "addr", "add", f"{self.addresses[i]}/24", "dev", "eth0")
            ip("-n", name, "link", "set", "eth0", "up")

    def _add_bridge(self, bridge: str) -> None:
        # STP off (the default): ports forward as soon as they are up.
        ip("-n", self.switch, "link", "add", bridge, "type", "bridge", "stp_state", "0")
        ip("-n", self.switch, "link", "set", bridge, "up")

    def port(self, i: int) -> str:
        """The switch-side end of node i's veth (in the switch namespace)."""
        return f"s{i}"

    def namespace(self, i: int) -> str:
        return self.names[i]

    # -- links --

    def cut(self, i: int) -> None:
        """Takes node i's link down at the switch: its packets go nowhere (its eth0
        loses carrier); open TCP connections are not reset, they stall."""
        ip("-n", self.switch, "link", "set", self.port(i), "down")

    def restore(self, i: int) -> None:
        ip("-n", self.switch, "link", "set", self.port(i), "up")

    def link_up(self, i: int) -> bool:
        r = ip("-n", self.switch, "-j", "link", "show", self.port(i))
        return "UP" in json.loads(r.stdout)[0].get("flags", [])

    def partition(self, groups: Iterable[Iterable[int]]) -> None:
        """Splits the LAN: each group of node indices gets a bridge of its own (nodes in
        no group stay on br0). Frames never cross bridges, so each group sees only its
        members; links stay up, so nothing tells the nodes (connections stall)."""
        groups = [list(g) for g in groups]
        seen = [i for g in groups for i in g]
        if len(seen) != len(set(seen)) or any(not 0 <= i < self.n for i in seen):
            raise ValueError(f"partition: groups must be distinct node indices < {self.n}: {groups}")
        self.heal()
        for k, group in enumerate(groups, start=1):
            bridge = f"br{k}"
            if k > self._group_bridges:
                self._add_bridge(bridge)
                self._group_bridges = k
            for i in group:
                ip("-n", self.switch, "link", "set", self.port(i), "master", bridge)

    def heal(self) -> None:
        """Every node back on br0 (undoes partition(); cut links stay cut)."""
        for i in range(self.n):
            if self.bridge_of(i) != "br0":
                ip("-n", self.switch, "link", "set", self.port(i), "master", "br0")

    def bridge_of(self, i: int) -> str | None:
        r = ip("-n", self.switch, "-j", "link", "show", self.port(i))
        return json.loads(r.stdout)[0].get("master")

    # -- processes and sockets --

    def exec_argv(self, i: int, argv: Sequence[str]) -> list[str]:
        return exec_argv(self.names[i], argv)

    def run(self, i: int, argv: Sequence[str], timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
        """subprocess.run of argv inside node i's namespace (output captured as text)."""
        return subprocess.run(self.exec_argv(i, argv), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, **kwargs)

    def connect(self, i: int, host: str, port: int, timeout: float = 5) -> socket.socket:
        return connect(self.names[i], host, port, timeout)

    def reachable(self, src: int, dst: int, timeout: float = 2.0) -> bool:
        """Whether node src can open a TCP connection to node dst right now (a listener
        is opened in dst's namespace for the check; no ping needed)."""
        server = listen(self.names[dst], self.addresses[dst])
        try:
            port = server.getsockname()[1]
            try:
                client = connect(self.names[src], self.addresses[dst], port, timeout)
            except OSError:
                return False
            client.close()
            return True
        finally:
            server.close()

    def close(self) -> None:
        """Kills whatever still runs in the namespaces and deletes them. Idempotent;
        errors are reported after every namespace had its try."""
        if self._closed:
            return
        self._closed = True
        errors = []
        for name in reversed(self._created):
            try:
                delete_namespace(name)
            except (NetnsError, OSError, subprocess.SubprocessError) as e:
                errors.append(str(e))
        with _open_lock:
            _open_topologies.discard(self)
        if errors:
            raise NetnsError("cleanup: " + "; ".join(errors))


# --- a cloudchaind in a namespace ------------------------------------------------------

class NetnsNode(harness.Node):
    """harness.Node whose daemon runs in node `index`'s namespace of `topology`, with its
    API on <address>:8645 and P2P on <address>:8646 (each namespace has its own ports,
    so the well-known ones are free), dialling `seeds`. The harness's process handling
    applies unchanged (own process group, PDEATHSIG, killed in tearDown and at exit)."""

    def __init__(self, workdir, topology: Topology, index: int, name: str | None = None):
        super().__init__(workdir, name or f"n{index}")
        self.topology = topology
        self.index = index
        self.address = topology.addresses[index]
        self.netns = topology.names[index]
        self.port = API_PORT
        self.p2p_port = P2P_PORT
        self.seeds: list[str] = []

    @property
    def p2p_address(self) -> str:
        return f"{self.address}:{self.p2p_port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def start(self, mine: bool = True, miner_address: str | None = None, threads: int = 1,
              extra_args: Iterable[str] = (), wait: bool = True,
              timeout: float = harness.START_TIMEOUT_S) -> None:
        if self.running():
            raise harness.NodeError(f"{self.name}: start() while running")
        argv = [harness.daemon_binary(), "--home", str(self.home), "--api-listen", f"{self.address}:{self.port}",
                "--p2p-listen", self.p2p_address]
        for seed in self.seeds:
            argv += ["--seed", seed]
        if mine:
            argv += ["--mine", "--threads", str(threads)]
        if miner_address is not None:
            argv += ["--miner-address", miner_address]
        argv += list(extra_args)
        self._spawn(exec_argv(self.netns, argv))
        if wait:
            self.wait_ready(timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = harness.HTTP_TIMEOUT_S) -> harness.Response:
        return http_request(self.netns, self.address, self.port, method, path, body, headers, timeout)


def set_config(home, section: str, values: dict[str, object]) -> None:
    """Sets keys of one [section] of HOME/config.toml as rendered by `cloudchaind init`
    (replacing a key's line, or adding it at the end of the section). Values are
    written as TOML: bool, int, str, or a list of str."""
    path = os.path.join(str(home), "config.toml")
    with open(path) as f:
        lines = f.read().splitlines()

    def render(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
            return "[" + ", ".join(json.dumps(x) for x in v) + "]"
        raise TypeError(f"set_config: cannot render {v!r}")

    try:
        start = lines.index(f"[{section}]")
    except ValueError:
        raise NetnsError(f"{path}: no [{section}] section") from None
    end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("[")), len(lines))
    pending = dict(values)
    for k in range(start + 1, end):
        key = lines[k].split("=", 1)[0].strip()
        if not lines[k].lstrip().startswith("#") and key in pending:
            lines[k] = f"{key} = {render(pending.pop(key))}"
    insert_at = end
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    lines[insert_at:insert_at] = [f"{key} = {render(v)}" for key, v in pending.items()]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def wait_all(predicate_by_node, nodes, timeout: float, what: str, interval: float = 0.1):
    """harness.wait_for over several nodes: waits until predicate(node) holds for all."""
    return harness.wait_for(lambda: all(predicate_by_node(n) for n in nodes), timeout, what, interval=interval,
                            on_timeout=lambda: "\n".join(n.log_tail(25) for n in nodes))


def easiest_pow(genesis: dict) -> None:
    """For init_network(genesis=...): every block at the pow limit (Bitcoin regtest's
    0x207fffff: about two hashes a block) and a 1 ms target spacing, so ASERT never
    makes it harder. A node then mines as fast as it can connect blocks (about 180
    blocks/s on a 2-core machine): thousands of blocks in seconds, by the real miner."""
    genesis["pow"]["genesis_bits"] = "207fffff"
    genesis["pow"]["target_block_time_ms"] = 1


# Short P2P timeouts for tests that cut links: a stalled connection is noticed within
# about 2 s (no pong) and a dial into a dead link gives up after 2 s, so a healed link
# is used again within seconds instead of the defaults' tens of seconds.
FAST_P2P = {
    "handshake_timeout_ms": 2000,
    "ping_interval_ms": 1000,
    "ping_timeout_ms": 2000,
    "frame_timeout_ms": 5000,
    "idle_timeout_ms": 5000,
}


def init_network(test: harness.SystemTestCase, topology: Topology, block_time_ms: int,
                 seeds: dict[int, Iterable[int]] | None = None, p2p: dict[str, object] | None = None,
                 allocations: dict[str, int] | None = None,
                 genesis: Callable[[dict], None] | None = None) -> list[NetnsNode]:
    """One NetnsNode per namespace of `topology`, registered with `test` (so tearDown
    kills them and prints their logs on failure): node 0 runs `cloudchaind init`, the
    others init and then take node 0's genesis.json (init stamps the time, so separate
    inits would be separate chains). seeds[i] lists the nodes node i dials (default:
    every other node); `p2p` sets [p2p] keys of every config.toml; `genesis`, if given,
    edits node 0's genesis.json (as a dict) before the others take it."""
    nodes = [NetnsNode(test.tmp, topology, i) for i in range(topology.n)]
    test.nodes.extend(nodes)
    nodes[0].init(allocations=allocations, block_time_ms=block_time_ms)
    genesis_path = nodes[0].home / "genesis.json"
    if genesis is not None:
        doc = json.loads(genesis_path.read_text())
        genesis(doc)
        genesis_path.write_text(json.dumps(doc, indent=2) + "\n")
    genesis_bytes = genesis_path.read_bytes()
    for node in nodes[1:]:
        node.init(allocations=allocations, block_time_ms=block_time_ms)
        (node.home / "genesis.json").write_bytes(genesis_bytes)
    for i, node in enumerate(nodes):
        targets = seeds.get(i, ()) if seeds is not None else [j for j in range(topology.n) if j != i]
        node.seeds = [nodes[j].p2p_address for j in targets]
        if p2p:
            set_config(node.home, "p2p", p2p)
    return nodes
