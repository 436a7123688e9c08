"""A wallet's life on a real node: keys made with the CLI, the miner paid to one of
them, a transfer with `send --wait`, and balances that move by exactly the amount and
the fee, as `balance` reports them (after checking the node's state proof)."""

import unittest

from harness import SystemTestCase, wait_for

BLOCK_TIME_MS = 500
FUND = 2_000_000
AMOUNT = 123_456
FEE = 2_500


class WalletSendTest(SystemTestCase):
    def test_send_moves_exactly_amount_and_fee(self):
        node = self.new_node()
        cli = self.new_cli(node)
        miner = cli.new_key("miner")
        alice = cli.new_key("alice")
        bob = cli.new_key("bob")
        self.assertEqual(len({miner, alice, bob}), 3)
        listed = {k["label"]: k["address"] for k in cli.run("keys", "list").json}
        self.assertEqual(listed, {"miner": miner, "alice": alice, "bob": bob})

        node.init(block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=miner)
        status = node.wait_height(2)
        self.assertEqual(status["network"], "ccdev")
        self.assertTrue(status["mining"]["enabled"], status)

        # The miner is paid to the CLI's key: blocks 1.. carry it as beneficiary.
        self.assertEqual(node.get_json("/v1/blocks/1")["beneficiary"], miner)
        self.assertGreater(int(cli.balance("miner")["balance"]), 0)
        self.assertEqual(int(cli.balance("bob")["balance"]), 0)

        # Fund alice from the miner. Alice is not the beneficiary, so from here on only
        # her own transactions change her balance.
        funded = cli.run("send", "--from", "miner", "--to", "alice", "--amount", str(FUND), "--wait").json
        self.assertIn("height", funded)
        alice_before = cli.balance("alice")
        bob_before = cli.balance("bob")
        self.assertEqual(int(alice_before["balance"]), FUND)
        self.assertEqual(int(alice_before["nonce"]), 0)

        sent = cli.run("send", "--from", "alice", "--to", bob, "--amount", str(AMOUNT), "--fee", str(FEE),
                       "--wait").json
        self.assertEqual(sent["from"], alice)
        self.assertEqual(sent["to"], bob)
        self.assertEqual(int(sent["amount"]), AMOUNT)
        self.assertEqual(int(sent["fee"]), FEE)
        self.assertEqual(int(sent["nonce"]), 0)
        self.assertGreater(sent["height"], funded["height"] - 1)

        # The node agrees: included in the block --wait named, at that height.
        tx = node.get_json(f"/v1/txs/{sent['txid']}")
        self.assertEqual(tx["status"], "included")
        self.assertEqual(tx["height"], sent["height"])
        self.assertEqual(tx["block_hash"], sent["block_hash"])
        self.assertEqual(tx["tx"]["kind"], "transfer")
        self.assertEqual(tx["tx"]["body"], {"to": bob, "amount": str(AMOUNT)})

        alice_after = cli.balance("alice")
        bob_after = cli.balance("bob")
        self.assertEqual(int(alice_before["balance"]) - int(alice_after["balance"]), AMOUNT + FEE)
        self.assertEqual(int(bob_after["balance"]) - int(bob_before["balance"]), AMOUNT)
        self.assertEqual(int(alice_after["nonce"]), 1)
        self.assertEqual(int(bob_after["nonce"]), 0)
        self.assertGreaterEqual(alice_after["height"], sent["height"])

    def test_rejected_sends_change_nothing(self):
        node = self.new_node()
        cli = self.new_cli(node)
        miner = cli.new_key("miner")
        cli.new_key("poor")
        node.init(block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=miner)
        node.wait_height(1)

        # More than the balance: the node refuses it (exit 1), nothing is pending.
        r = cli.run("send", "--from", "poor", "--to", miner, "--amount", "1", check=False)
        self.assertEqual(r.returncode, 1, r.describe())
        self.assertIn("insufficient", r.stderr.lower(), r.describe())
        self.assertEqual(node.status()["mempool"]["size"], 0)

        # A mistyped address (one character changed: the bech32m checksum fails) is a
        # usage error before anything is signed or sent.
        typo = miner[:-1] + ("q" if miner[-1] != "q" else "p")
        r = cli.run("send", "--from", "miner", "--to", typo, "--amount", "1", check=False)
        self.assertEqual(r.returncode, 2, r.describe())
        # A zero amount and a malformed amount: usage errors.
        for amount in ("0", "1.5", "-3", "abc"):
            r = cli.run("send", "--from", "miner", "--to", miner, "--amount", amount, check=False)
            self.assertEqual(r.returncode, 2, f"--amount {amount}: {r.describe()}")
        self.assertEqual(int(cli.balance("poor")["balance"]), 0)
        self.assertEqual(node.status()["mempool"]["size"], 0)

    def test_wait_timeout_wrong_password_unknown_key(self):
        node = self.new_node()
        cli = self.new_cli(node)
        miner = cli.new_key("miner")
        node.init(block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=miner)
        node.wait_height(2)
        node.admin("/v1/admin/mining", {"enabled": False})
        wait_for(lambda: node.status()["mining"]["enabled"] is False, 10, "mining off")

        # No miner: --wait gives up after --wait-timeout, exit 1, naming the txid and
        # its last status; the transaction stays pending.
        r = cli.run("send", "--from", "miner", "--to", miner, "--amount", "5", "--wait", "--wait-timeout", "2",
                    check=False)
        self.assertEqual(r.returncode, 1, r.describe())
        self.assertIn("pending", r.stderr, r.describe())
        pool = node.get_json("/v1/mempool")["txs"]
        self.assertEqual(len(pool), 1, pool)
        self.assertIn(pool[0]["txid"], r.stderr)

        # A wrong password unlocks nothing and sends nothing.
        cli.password_file.write_text("not the password\n")
        r = cli.run("send", "--from", "miner", "--to", miner, "--amount", "5", check=False)
        self.assertEqual(r.returncode, 1, r.describe())
        self.assertIn("password", r.stderr, r.describe())
        # A key the keystore does not hold.
        r = cli.run("send", "--from", "nobody", "--to", miner, "--amount", "5", check=False)
        self.assertEqual(r.returncode, 1, r.describe())
        self.assertIn("nobody", r.stderr, r.describe())
        self.assertEqual(node.status()["mempool"]["size"], 1)


if __name__ == "__main__":
    unittest.main()
