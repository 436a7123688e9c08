"""`cloudchain devnet` end to end: `up` creates and starts a 3-node network and waits
until it is connected and producing blocks; `status` shows every node alive with peers;
`load` pushes signed transfers through all nodes and sees them committed; `logs` prints
a node's log; `down` stops exactly the daemons it started (and nothing else); a second
`up` restarts the same chain.

The daemons run detached (their own session), so this test cleans up with `devnet
down` and, should that fail, SIGKILLs the pids recorded in devnet.json whose command
line is that devnet's cloudchaind.
"""

import json
import os
import pathlib
import signal
import subprocess
import unittest

from devnet_case import alive, cmdline
from harness import SystemTestCase, cli_binary, daemon_binary, free_port, wait_for

TIMEOUT_S = 180


class DevnetCliTest(SystemTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.dir = self.tmp / "devnet"
        self.env = dict(os.environ, CLOUDCHAIND=daemon_binary())

    def devnet(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [cli_binary(), *args[:1], "devnet", *args[1:]] if args and args[0] == "--json" else \
            [cli_binary(), "devnet", *args]
        argv += ["--dir", str(self.dir)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, env=self.env,
                           stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            self.fail(f"$ {' '.join(argv)}\nexit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def state(self) -> dict:
        return json.loads((self.dir / "devnet.json").read_text())

    def tearDown(self) -> None:
        if (self.dir / "devnet.json").exists():
            self.devnet("down", "--stop-timeout", "10", check=False)
            for node in self.state()["nodes"]:
                pid = node.get("pid")
                if pid and alive(pid) and node["home"] in cmdline(pid):
                    os.kill(pid, signal.SIGKILL)
        super().tearDown()

    def test_up_status_load_logs_down(self):
        base = free_port()
        up = self.devnet("up", "--nodes", "3", "--base-port", str(base), "--accounts", "8", "--block-time-ms", "500")
        self.assertIn("new blocks 3/3", up.stdout)
        self.assertIn("NODE", up.stdout)

        state = self.state()
        self.assertEqual(len(state["nodes"]), 3)
        pids = [n["pid"] for n in state["nodes"]]
        for node, pid in zip(state["nodes"], pids):
            self.assertTrue(alive(pid), node["name"])
            argv = cmdline(pid)
            self.assertEqual(pathlib.Path(argv[0]).name, "cloudchaind")
            self.assertIn(node["home"], argv)
            self.assertEqual((pathlib.Path(node["pid_file"])).read_text().strip(), str(pid))
            self.assertIn(node["api"], up.stdout)
        self.assertEqual(len({n["api"] for n in state["nodes"]} | {n["p2p"] for n in state["nodes"]}), 6)

        status = json.loads(self.devnet("--json", "status").stdout)
        for node in status["nodes"]:
            self.assertTrue(node["alive"], node)
            self.assertGreaterEqual(node["peers"], 1, node)
            self.assertGreaterEqual(node["height"], 1, node)
        self.assertTrue(status["nodes"][0]["mining"])
        self.assertIn("ALIVE", self.devnet("status").stdout)

        load = self.devnet("--json", "load", "--tps", "20", "--duration", "3", "--wait", "60")
        report = json.loads(load.stdout)
        self.assertEqual(report["submitted"], 60, report)
        self.assertEqual(report["rejected"], 0, report)
        self.assertEqual(report["committed"], 60, report)
        self.assertGreater(report["committed_tps"], 0)
        self.assertLessEqual(report["latency_p50_ms"], report["latency_p99_ms"])
        # The latency's two parts, split at the block's timestamp.
        self.assertLessEqual(report["to_block_p50_ms"], report["to_block_p99_ms"])
        self.assertLessEqual(report["block_to_final_p50_ms"], report["block_to_final_p99_ms"])
        # The nodes' CPU over the run, from their /metrics: every node checked the
        # signature of (nearly) every transaction, each about once.
        cpu = report["node_cpu"]
        self.assertIsNotNone(cpu, report)
        self.assertGreater(cpu["process_seconds"], 0, cpu)
        self.assertGreater(cpu["us_per_committed_tx"], 0, cpu)
        self.assertGreaterEqual(cpu["signature_checks"], 60, cpu)
        self.assertLess(cpu["signature_checks_per_tx_per_node"], 2, cpu)
        self.assertGreaterEqual(cpu["signature_check_share"], 0, cpu)
        self.assertLess(cpu["signature_check_share"], 1, cpu)
        # A check's cost in the nodes beside a verification's in the bench (both µs).
        self.assertGreaterEqual(cpu["us_per_signature_check"], 0, cpu)
        self.assertLess(cpu["us_per_signature_check"], 10000, cpu)
        self.assertGreater(report["bench_us_per_verification"], 0, report)
        self.assertLess(report["bench_us_per_verification"], 10000, report)
        self.assertGreaterEqual(report["ratio_at_node_check_cost"], 0, report)
        # The same through POST /v1/txs/batch (8 transactions a request, split by node).
        batched = json.loads(self.devnet("--json", "load", "--tps", "40", "--duration", "2", "--batch", "8",
                                         "--wait", "60").stdout)
        self.assertEqual(batched["submitted"], 80, batched)
        self.assertEqual(batched["rejected"], 0, batched)
        self.assertEqual(batched["committed"], 80, batched)
        bad_batch = self.devnet("load", "--tps", "10", "--batch", "0", check=False)
        self.assertEqual(bad_batch.returncode, 2, bad_batch.stderr)
        self.assertIn("--batch", bad_batch.stderr)

        logs = self.devnet("logs", "node1", "-n", "20")
        self.assertIn("(peer)", self.devnet("logs", "1", "-n", "0").stdout)
        self.assertLessEqual(len(logs.stdout.splitlines()), 20)
        self.assertNotEqual(self.devnet("logs", "node9", check=False).returncode, 0)

        # An unrelated process whose pid is recorded (as after a reboot) is left alone.
        decoy = subprocess.Popen(["sleep", "60"])
        try:
            doc = self.state()
            doc["nodes"][2]["pid"] = decoy.pid
            real_pid = pids[2]
            (self.dir / "devnet.json").write_text(json.dumps(doc))
            down = self.devnet("down", check=False)
            self.assertIn("node2: not running", down.stdout)
            self.assertIsNone(decoy.poll(), "devnet down signalled a process it did not start")
        finally:
            decoy.kill()
            decoy.wait()
        for pid in pids[:2]:
            self.assertFalse(alive(pid))
        os.kill(real_pid, signal.SIGTERM)  # the one whose record we replaced
        wait_for(lambda: not alive(real_pid), 30, "node2 stopped by SIGTERM")

        after = json.loads(self.devnet("--json", "status").stdout)
        self.assertFalse(any(n["alive"] for n in after["nodes"]))
        self.assertTrue(all(n["pid"] is None for n in self.state()["nodes"]))

        # `up` again: the same devnet, its chain continues.
        height_before = max(n["height"] for n in status["nodes"])
        again = self.devnet("up", "--timeout", "120")
        self.assertIn("restarting", again.stdout)
        restarted = json.loads(self.devnet("--json", "status").stdout)
        self.assertTrue(all(n["alive"] for n in restarted["nodes"]))
        self.assertGreater(max(n["height"] for n in restarted["nodes"]), height_before)
        self.assertNotEqual(self.devnet("up", check=False).returncode, 0)  # already running
        self.devnet("down")


if __name__ == "__main__":
    unittest.main()
