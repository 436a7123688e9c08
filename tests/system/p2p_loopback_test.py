"""Four cloudchaind processes on loopback form one network: they connect (every node
seeds the ones started before it), follow one miner's chain to a single tip, and a
transaction sent to one node is gossiped, mined and visible on another.
"""

import secrets
import unittest

import txcodec as tc
from harness import SystemTestCase, free_port, wait_for

BLOCK_TIME_MS = 500
FEE = 1_000
ALLOCATION = 10**12


def start_network(test: SystemTestCase, count: int, block_time_ms: int, allocations: dict[str, int]):
    """`count` nodes sharing node 0's genesis; node i seeds nodes 0..i-1. Returns the
    nodes, not started (their P2P ports and seeds are set)."""
    nodes = [test.new_node(f"n{i}") for i in range(count)]
    nodes[0].init(allocations=allocations, block_time_ms=block_time_ms)
    genesis = (nodes[0].home / "genesis.json").read_text()
    for node in nodes[1:]:
        node.init()
        (node.home / "genesis.json").write_text(genesis)
    for node in nodes:
        node.p2p_port = free_port()
    for i, node in enumerate(nodes):
        node.seeds = [other.p2p_address for other in nodes[:i]]
    return nodes


class P2pLoopbackTest(SystemTestCase):
    def test_four_nodes_converge_and_a_transaction_reaches_every_node(self):
        secret = secrets.token_bytes(32)
        alice = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secret)))
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        bob = tc.address_bytes(tc.public_key(secrets.token_bytes(32)))

        nodes = start_network(self, 4, BLOCK_TIME_MS, {alice: ALLOCATION})
        nodes[0].start(mine=True, miner_address=miner)
        for node in nodes[1:]:
            node.start(mine=False)

        # Connected: everyone has a ready peer, and the miner has all three.
        wait_for(lambda: all(n.ready_peers() >= 1 for n in nodes), 30, "every node has a ready peer")
        wait_for(lambda: nodes[0].ready_peers() >= 3, 30, "node 0 has three peers")
        for n in nodes:
            self.assertEqual(n.status()["peers"], n.ready_peers())

        # One tip: every node reaches height 5 and they agree on a tip hash.
        for n in nodes:
            n.wait_height(5, timeout=60)
        wait_for(lambda: len({n.status()["tip_hash"] for n in nodes}) == 1, 30, "all four nodes on one tip",
                 on_timeout=lambda: "\n".join(f"{n.name}: {n.status()['height']} {n.status()['tip_hash']}"
                                              for n in nodes))

        # A transfer sent to node A (n1) is committed and visible on node D (n3).
        chain_id = nodes[1].status()["chain_id"]
        tx = tc.signed_tx(secret, chain_id, tc.KIND_TRANSFER, 0, FEE, tc.transfer_body(bob, 4242))
        r = nodes[1].post("/v1/txs", {"tx": tx.hex()})
        self.assertEqual(r.status, 202, r)
        txid = r.json["txid"]
        self.assertEqual(txid, tc.txid(tx).hex())
        wait_for(lambda: nodes[3].tx_status(txid) == "included", 60, "the transfer included, seen by n3")
        seen = nodes[3].get_json(f"/v1/txs/{txid}")
        block = nodes[0].get_json(f"/v1/blocks/{seen['height']}")
        self.assertEqual(seen["block_hash"], block["hash"], "n3 and n0 agree on the block holding it")
        account = nodes[2].get_json("/v1/accounts/" + tc.encode_address("ccdev", bob))
        self.assertEqual(account["balance"], "4242")

        # With the miner stopped, all four settle on exactly the same tip.
        self.assertEqual(nodes[0].admin("/v1/admin/mining", {"enabled": False}).status, 200)
        def settled():
            tips = {(n.status()["height"], n.status()["tip_hash"]) for n in nodes}
            return len(tips) == 1
        wait_for(settled, 30, "one final tip on every node")
        # The sync status is a snapshot the network refreshes on its tick: it may say
        # "syncing" for a moment after the last block arrived (a loaded run saw it).
        for n in nodes:
            wait_for(lambda: not n.status()["sync"]["syncing"], 10, f"{n.name} no longer syncing")


if __name__ == "__main__":
    unittest.main()
