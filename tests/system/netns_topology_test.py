"""The namespace helper itself (netns.py), without a node: the LAN it builds carries TCP
between every pair of nodes; a cut link carries nothing until restored; a partition
carries traffic only inside each group until healed; the root namespace gains no
interface; and the namespaces are always deleted: on close(), when the owning process
gets SIGTERM, and, after a SIGKILL, by the next run (with the processes left inside).

Skipped (with the reason) where network namespaces cannot be made: not root, no `ip`.
"""

import os
import signal
import subprocess
import sys
import textwrap
import unittest

import netns
from harness import wait_for


def setUpModule():
    ok, why = netns.available()
    if not ok:
        raise unittest.SkipTest(why)


def root_links():
    return sorted(os.listdir("/sys/class/net"))


def dead_pid():
    """A pid that no process has right now (a child that already exited)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


class NetnsTopologyTest(unittest.TestCase):
    def test_lan_cut_restore_partition_heal(self):
        links_before = root_links()
        with netns.Topology(4) as t:
            self.assertEqual(len(set(t.names)), 4)
            for name in [t.switch, *t.names]:
                self.assertIn(str(os.getpid()), name)
                self.assertIn(name, netns.list_namespaces())
            self.assertEqual(len(set(t.addresses)), 4)
            self.assertEqual(root_links(), links_before, "the root namespace gained an interface")

            # Every pair talks TCP over the bridge.
            for src in range(4):
                for dst in range(4):
                    if src != dst:
                        self.assertTrue(t.reachable(src, dst), f"n{src} -> n{dst}")

            # A cut link carries nothing, either way; the others are unaffected.
            t.cut(3)
            self.assertFalse(t.link_up(3))
            self.assertFalse(t.reachable(0, 3, timeout=1), "n0 -> cut n3")
            self.assertFalse(t.reachable(3, 1, timeout=1), "cut n3 -> n1")
            self.assertTrue(t.reachable(0, 1), "n0 -> n1 while n3 is cut")
            t.restore(3)
            self.assertTrue(t.link_up(3))
            self.assertTrue(t.reachable(0, 3), "n0 -> restored n3")

            # 2|2: inside each group yes, across no; heal undoes it.
            t.partition([[0, 1], [2, 3]])
            self.assertEqual([t.bridge_of(i) for i in range(4)], ["br1", "br1", "br2", "br2"])
            self.assertTrue(t.reachable(0, 1))
            self.assertTrue(t.reachable(3, 2))
            for src, dst in [(0, 2), (1, 3), (2, 0), (3, 1)]:
                self.assertFalse(t.reachable(src, dst, timeout=1), f"n{src} -> n{dst} across the partition")
            t.heal()
            self.assertEqual([t.bridge_of(i) for i in range(4)], ["br0"] * 4)
            self.assertTrue(t.reachable(0, 2), "n0 -> n2 after heal")
            self.assertTrue(t.reachable(3, 1), "n3 -> n1 after heal")

            # A process runs inside its namespace: it sees eth0 with the node's address.
            r = t.run(1, ["/usr/sbin/ip", "-4", "-o", "addr", "show", "dev", "eth0"])
            self.assertEqual(r.returncode, 0, r)
            self.assertIn(f"{t.addresses[1]}/24", r.stdout)
            names = [t.switch, *t.names]
            sleeper = subprocess.Popen(t.exec_argv(2, ["sleep", "600"]))
        # close(): namespaces gone, the process left inside killed.
        self.assertEqual(sleeper.wait(timeout=10), -signal.SIGKILL)
        for name in names:
            self.assertNotIn(name, netns.list_namespaces())
        self.assertEqual(root_links(), links_before)

    def test_bad_partition_groups_are_refused(self):
        with netns.Topology(3) as t:
            for groups in ([[0, 1], [1, 2]], [[0, 3]], [[-1]]):
                with self.assertRaises(ValueError, msg=str(groups)):
                    t.partition(groups)
            self.assertEqual([t.bridge_of(i) for i in range(3)], ["br0"] * 3)
        with self.assertRaises(ValueError):
            netns.Topology(0)

    def test_sigterm_to_the_owner_deletes_its_namespaces(self):
        script = textwrap.dedent("""
            import sys, time
            sys.path.insert(0, %r)
            import netns
            t = netns.Topology(2)
            print(t.prefix, flush=True)
            time.sleep(600)
        """) % os.path.dirname(os.path.abspath(netns.__file__))
        owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            prefix = owner.stdout.readline().strip()
            self.assertTrue(prefix.startswith(f"{netns.PREFIX}{owner.pid}-"), prefix)
            self.assertTrue(any(n.startswith(prefix) for n in netns.list_namespaces()))
            owner.send_signal(signal.SIGTERM)
            self.assertEqual(owner.wait(timeout=30), 128 + signal.SIGTERM)
        finally:
            if owner.poll() is None:
                owner.kill()
                owner.wait()
            owner.stdout.close()
        self.assertEqual([n for n in netns.list_namespaces() if n.startswith(prefix)], [])

    def test_stale_namespaces_of_a_dead_run_are_removed(self):
        stale = f"{netns.PREFIX}{dead_pid()}-0-n0"
        netns.ip("netns", "add", stale)
        leftover = subprocess.Popen(netns.exec_argv(stale, ["sleep", "600"]))
        try:
            # A live run's namespace (ours) is never taken for stale.
            mine = f"{netns.PREFIX}{os.getpid()}-999-n0"
            netns.ip("netns", "add", mine)
            try:
                with netns.Topology(1):
                    names = netns.list_namespaces()
                    self.assertNotIn(stale, names)
                    self.assertIn(mine, names)
                self.assertEqual(leftover.wait(timeout=10), -signal.SIGKILL)
            finally:
                netns.delete_namespace(mine)
        finally:
            if leftover.poll() is None:
                leftover.kill()
                leftover.wait()
            netns.delete_namespace(stale)
        wait_for(lambda: stale not in netns.list_namespaces(), 5, f"{stale} deleted")


if __name__ == "__main__":
    unittest.main()
