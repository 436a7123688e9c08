"""How cloudchaind starts and refuses to start (apps/cloudchaind/daemon.hpp exit
statuses: 0 clean, 1 run-time failure, 2 usage or configuration error): a second
daemon on a home in use, an API port in use, bad flags, a missing home, a damaged
config. Each refusal names its cause, and never disturbs a node already running."""

import secrets
import subprocess
import unittest

import txcodec as tc
from harness import SystemTestCase, daemon_binary


def run_daemon(*args, timeout=60):
    return subprocess.run([daemon_binary(), *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class ChainStartupTest(SystemTestCase):
    def setUp(self):
        super().setUp()
        self.miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))

    def test_second_daemon_on_the_same_home_or_port_is_refused(self):
        node = self.new_node()
        node.init(block_time_ms=500)
        node.start(mine=True, miner_address=self.miner)
        node.wait_height(1)

        # Same home (the database is locked): exit 1, and the first node serves on.
        r = run_daemon("--home", str(node.home), "--api-listen", "127.0.0.1:0")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("lock", (r.stdout + r.stderr).lower(), r)
        height = node.height()
        node.wait_height(height + 1)

        # Another home, the first node's API port: exit 1, naming the address.
        other = self.new_node("other")
        other.init()
        r = run_daemon("--home", str(other.home), "--api-listen", f"127.0.0.1:{node.port}")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"127.0.0.1:{node.port}", r.stderr, r)
        self.assertEqual(node.status()["network"], "ccdev")
        self.assertEqual(node.stop(), 0, node.log_tail())

    def test_usage_and_configuration_errors(self):
        node = self.new_node()
        node.init()
        home = str(node.home)
        cases = [
            (["--home", home, "--no-such-flag"], "no-such-flag"),
            (["--home", home, "--threads", "0"], "--threads"),
            (["--home", home, "--mine"], "address"),  # mining needs a beneficiary
            (["--home", home, "--mine", "--miner-address", "cc1notanaddress"], "--miner-address"),
            (["--home", home, "--api-listen", "nowhere"], "--api-listen"),
            (["--home", home, "--log-level", "loud"], "--log-level"),
            (["--home", str(self.tmp / "absent")], "no such file"),
            ([], "--home"),
            (["init"], "--home"),
            (["init", "--home", home], "exist"),  # a home is not overwritten without --force
            (["init", "--home", str(self.tmp / "h2"), "--block-time-ms", "0"], "block-time-ms"),
            (["init", "--home", str(self.tmp / "h3"), "--alloc", "ccdev1xyz=5"], "alloc"),
        ]
        for args, needle in cases:
            r = run_daemon(*args)
            self.assertEqual(r.returncode, 2, f"{args}: {r}")
            self.assertIn(needle.lower(), (r.stdout + r.stderr).lower(), f"{args}: {r}")

        # A damaged config.toml: exit 2, the message names the file and the key.
        config = node.home / "config.toml"
        config.write_text(config.read_text() + "\n[mining]\nthreads = \"many\"\n")
        r = run_daemon("--home", home)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("config.toml", r.stderr, r)

        # --help is not an error.
        r = run_daemon("--help")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("--reindex", r.stdout)


if __name__ == "__main__":
    unittest.main()
