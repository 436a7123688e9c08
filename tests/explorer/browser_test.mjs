#!/usr/bin/env node
// Browser test of the explorer (docs/explorer.md): a real devnet (`cloudchain devnet up
// --nodes 2`), a real anchor made with the CLI, and the explorer served by node0 driven in
// headless Chromium (/usr/bin/chromium) through playwright-core. Nothing is mocked; the
// one intercepted response is the tampering check (a flipped byte must show FAILED).
//
//   node tests/explorer/browser_test.mjs --consensus pow|pos --build build --out build/explorer-artifacts/pow
//
// Screenshots go to --out. The devnet is always taken down at the end. Exit 0 when every
// check passed; 77 (skipped) when Chromium or the explorer's node_modules are missing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const consensus = args.consensus ?? 'pow';
const build = resolve(root, args.build ?? 'build');
const out = resolve(root, args.out ?? join(build, 'explorer-artifacts', consensus));
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const cli = join(build, 'apps/cloudchain/cloudchain');

if (!existsSync(chromium) || !existsSync(join(root, 'explorer/node_modules/playwright-core'))) {
  console.log(`SKIP: needs ${chromium} and explorer/node_modules (make deps explorer)`);
  process.exit(77);
}
const { chromium: pw } = createRequire(join(root, 'explorer/package.json'))('playwright-core');

mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), `explorer-${consensus}-`));
const log = (...m) => console.log(`[${consensus} ${new Date().toISOString().slice(11, 19)}]`, ...m);
const run = (...a) => execFileSync(cli, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

let browser = null;
let failed = false;
try {
  const basePort = 20000 + Math.floor(Math.random() * 20000);
  log('devnet up', dir);
  run('devnet', 'up', '--nodes', '2', '--consensus', consensus, '--dir', dir, '--base-port', String(basePort),
    '--accounts', '4', '--timeout', '120');
  const api = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8')).nodes[0].api;
  const base = `http://${api}`;
  const wallet = ['--keystore', join(dir, 'keys'), '--password-file', join(dir, 'password'), '--node', base, '--json'];

  // A file and its anchor, made with the CLI.
  const file = join(dir, 'document.txt');
  writeFileSync(file, `cloudchain explorer browser test ${consensus} ${Date.now()} ${Math.random()}\n`);
  const anchored = JSON.parse(run('anchor', file, '--from', 'faucet', '--wait', '--wait-timeout', '90', ...wallet));
  log('anchored', anchored.digest, 'in tx', anchored.txid, 'at height', anchored.height);
  const changed = join(dir, 'document-changed.txt');
  writeFileSync(changed, readFileSync(file, 'utf8').replace('test', 'tesT'));

  browser = await pw.launch({
    executablePath: chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const shot = (name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  const text = (sel) => page.locator(sel).first().innerText();
  const search = async (q) => {
    await page.fill('#q', q);
    await page.press('#q', 'Enter');
  };

  // Serving: index.html and the hashed bundle with their caching headers.
  const index = await page.goto(`${base}/`);
  assert.equal(index.status(), 200);
  assert.equal(index.headers()['cache-control'], 'no-cache');
  const script = await page.locator('script[type=module]').getAttribute('src');
  const asset = await context.request.get(`${base}${script}`);
  assert.equal(asset.status(), 200);
  assert.equal(asset.headers()['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(asset.headers()['content-type'], /^text\/javascript/);
  assert.equal((await context.request.get(`${base}/assets/..%2f..%2fdevnet.json`)).status(), 404);

  const faucet = (await (await context.request.get(`${base}/v1/txs/${anchored.txid}`)).json()).tx.sender_address;

  // Dashboard: the height rises.
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById('height')?.textContent ?? ''));
  const h0 = Number(await text('#height'));
  await page.waitForFunction((h) => Number(document.getElementById('height')?.textContent) > h, h0, { timeout: 60_000 });
  const h1 = Number(await text('#height'));
  log(`dashboard height ${h0} -> ${h1}`);
  await page.waitForSelector('#blocks tbody tr');
  // The live transaction list shows the anchor (in the latest block that has transactions).
  await page.waitForSelector(`#txs a[href="#/tx/${anchored.txid}"]`, { timeout: 20_000 });
  if (consensus === 'pos') await page.waitForSelector('.share');
  await shot('dashboard');

  // Search: height, block hash, txid, address, and nothing.
  await search('1');
  await page.waitForURL(/#\/block\/1$/);
  await page.waitForSelector('h1:has-text("Block 1")');
  await page.waitForSelector('[data-testid=block-verify]:has-text("VERIFIED")');
  await shot('block-by-height');
  const hash = (await (await context.request.get(`${base}/v1/blocks/1`)).json()).hash;
  await search(hash);
  await page.waitForURL(new RegExp(`#/block/${hash}$`));
  await page.waitForSelector('h1:has-text("Block 1")');

  await search(anchored.txid);
  await page.waitForURL(new RegExp(`#/tx/${anchored.txid}$`));
  await page.waitForSelector('[data-testid=tx-verify]:has-text("VERIFIED")', { timeout: 20_000 });
  await shot('tx-verified');

  await search(faucet);
  await page.waitForURL(new RegExp(`#/account/${faucet}$`));
  await page.waitForSelector('[data-testid=account-verify]:has-text("VERIFIED")', { timeout: 20_000 });
  assert.ok((await page.locator('#history table tbody tr').count()) >= 1, 'the faucet has history');
  await shot('account-verified');

  await search('ccdev1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq');
  await page.waitForSelector('[data-testid=not-found]');
  await search('0'.repeat(64));
  await page.waitForSelector('[data-testid=not-found]');
  await search('999999999');
  await page.waitForSelector('[data-testid=not-found]');
  await shot('not-found');

  // Tampering: flip one byte of the proof (or of the encoding when the path is empty, a
  // block with one transaction): the page must say FAILED.
  await page.route(`**/v1/txs/${anchored.txid}`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const flip = (h, i) => h.slice(0, i) + (h[i] === '0' ? '1' : '0') + h.slice(i + 1);
    if (body.proof.path.length > 0) body.proof.path[0] = flip(body.proof.path[0], 5);
    else body.tx.encoding = flip(body.tx.encoding, 100);
    await route.fulfill({ response, json: body });
  });
  await page.goto(`${base}/#/tx/${anchored.txid}`);
  await page.waitForSelector('[data-testid=tx-verify]:has-text("FAILED")', { timeout: 20_000 });
  await shot('tx-tampered-failed');
  await page.unroute(`**/v1/txs/${anchored.txid}`);

  // The anchor page: the file verifies, a changed file does not.
  await page.goto(`${base}/#/anchor`);
  await page.setInputFiles('#file', file);
  await page.waitForSelector('[data-testid=anchor-verify]:has-text("VERIFIED")', { timeout: 20_000 });
  assert.equal(await text('[data-testid=digest]'), anchored.digest);
  await shot('anchor-verified');
  // The changed file is dropped (a real drop event with a DataTransfer).
  const bytes = [...readFileSync(changed)];
  const dt = await page.evaluateHandle((b) => {
    const t = new DataTransfer();
    t.items.add(new File([new Uint8Array(b)], 'document-changed.txt'));
    return t;
  }, bytes);
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
  await page.waitForSelector('[data-testid=anchor-verify]:has-text("FAILED")', { timeout: 20_000 });
  await shot('anchor-changed-failed');

  // Validators, mempool.
  await page.goto(`${base}/#/validators`);
  await page.waitForSelector('h1:has-text("Validators")');
  if (consensus === 'pos') await page.waitForSelector('a[href^="#/validator/"]');
  await shot('validators');
  await page.goto(`${base}/#/mempool`);
  await page.waitForSelector('h1:has-text("Mempool")');

  // Phone width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const hashRoute of ['#/', `#/tx/${anchored.txid}`, `#/account/${faucet}`]) {
    await page.goto(`${base}/${hashRoute}`);
    await page.waitForTimeout(1500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${hashRoute} is ${overflow}px wider than a phone screen`);
  }
  await shot('phone-account');

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  log('PASS; screenshots in', out);
} catch (e) {
  failed = true;
  console.error(`[${consensus}] FAIL:`, e);
} finally {
  if (browser) await browser.close().catch(() => {});
  try {
    run('devnet', 'down', '--dir', dir, '--stop-timeout', '20');
  } catch (e) {
    console.error('devnet down:', e.message);
  }
  if (!failed) rmSync(dir, { recursive: true, force: true });
  else console.error('devnet directory kept for inspection:', dir);
}
process.exit(failed ? 1 : 0);
