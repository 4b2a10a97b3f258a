// The web console in a real browser: starts `mqbroker --standalone` (broker, NameServer and
// console in one process) on ephemeral ports in a temp dir, drives Debian's Chromium with
// Playwright through every page, and checks what an operator does: create a topic, send and
// find a message by key and by id, see a group's lag change, resend a dead letter, and see
// a body full of <script> rendered as text.
//
// Env: COMETMQ_BIN (dir with mqbroker; default ../../target/debug), CHROMIUM (default
// /usr/bin/chromium), SCREENSHOT_DIR (where the PNGs go; default a temp dir).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.COMETMQ_BIN || resolve(here, '../../target/debug');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'cometmq-console-'));
const shots = process.env.SCREENSHOT_DIR || join(work, 'screenshots');
mkdirSync(shots, { recursive: true });

const XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"><b>bold?</b>';
let passed = 0, failed = 0;
let broker, browser;

async function step(name, f) {
  try {
    await f();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack || e).split('\n').join('\n  ')}`);
  }
}

// Starts the broker and resolves the console URL it prints.
function startBroker() {
  const conf = join(work, 'broker.conf');
  writeFileSync(conf, `storePathRootDir=${join(work, 'store')}\nlistenPort=0\nbrokerName=broker-a\n`);
  broker = spawn(join(bin, 'mqbroker'), ['--standalone', '--namesrv-port', '0', '--console-port', '0', '-c', conf], {
    env: { ...process.env, HOME: work, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  broker.stderr.on('data', d => { out += d; });
  return new Promise((res, rej) => {
    broker.stdout.on('data', d => {
      out += d;
      const m = out.match(/The console boot success\. (http:\/\/\S+)/);
      if (m) res(m[1]);
    });
    broker.on('exit', code => rej(new Error(`mqbroker exited (${code}):\n${out}`)));
  });
}

async function main() {
  const url = await startBroker();
  console.log(`# console at ${url}`);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  const pageErrors = [];
  page.on('pageerror', e => pageErrors.push(String(e)));
  page.on('dialog', d => {
    if (d.type() === 'confirm') return d.accept();
    pageErrors.push(`unexpected ${d.type()}: ${d.message()}`);
    return d.dismiss();
  });
  const api = async (path, body) => {
    const r = await fetch(new URL(path, url), body ? { method: 'POST', body: JSON.stringify(body) } : {});
    const j = await r.json();
    if (!r.ok) throw new Error(`${path}: ${j.error}`);
    return j;
  };
  // Polls `f` until it resolves (a route reaches the NameServer with the broker's next
  // registration); gives up after a minute.
  const eventually = async f => {
    const until = Date.now() + 60e3;
    for (;;) {
      try { return await f(); } catch (e) { if (Date.now() > until) throw e; }
      await new Promise(r => setTimeout(r, 100));
    }
  };
  const go = async hash => {
    await page.goto(`${url}#/${hash}`);
    await page.waitForSelector('[data-page], .error');
  };

  await step('cluster page lists the broker as master', async () => {
    await go('cluster');
    await page.locator('td', { hasText: 'broker-a' }).first().waitFor();
    await page.locator('td', { hasText: 'MASTER' }).first().waitFor();
    await page.screenshot({ path: join(shots, 'console-cluster.png') });
  });

  await step('every page loads without an error', async () => {
    for (const p of ['cluster', 'topics', 'groups', 'producers', 'messages', 'dlq', 'traces']) {
      await go(p);
      assert.equal(await page.locator('.error').count(), 0, `page ${p} shows an error`);
      assert.equal(await page.locator(`[data-page="${p}"] h1`).count(), 1, `page ${p} has no heading`);
    }
  });

  await step('create a topic from the topics page', async () => {
    await go('topics');
    await page.fill('#topic-form input[name=topic]', 'ConsoleTopic');
    await page.fill('#topic-form input[name=writeQueueNums]', '4');
    await page.fill('#topic-form input[name=readQueueNums]', '4');
    await page.click('#topic-form button[type=submit]');
    await page.waitForSelector('h1:has-text("Topic ConsoleTopic")');
    assert.equal(await page.locator('table').first().locator('tbody tr').count(), 4);
  });

  let sentId;
  await step('send a message whose body is full of <script> from the topic page', async () => {
    await page.fill('#send-form input[name=keys]', 'order-42');
    await page.fill('#send-form input[name=tags]', 'TagA');
    await page.fill('#send-form textarea[name=body]', XSS);
    await page.click('#send-form button[type=submit]');
    const ok = await page.locator('#send-form .ok').textContent();
    assert.match(ok, /SEND_OK/);
    sentId = ok.match(/SEND_OK: (\S+)/)[1];
    await page.screenshot({ path: join(shots, 'console-topic.png') });
  });

  await step('find the message by key; its body renders as text, nothing runs', async () => {
    await go('messages?topic=ConsoleTopic&by=key&value=order-42');
    await page.locator('#results tbody tr', { hasText: sentId }).click();
    const body = page.locator('#message-body');
    assert.equal(await body.textContent(), XSS);
    assert.equal(await page.locator('#message-detail script, #message-detail img, #message-detail b').count(), 0);
    await page.click('button[data-view=hex]');
    assert.match(await body.textContent(), /3c 73 63 72 69 70 74 3e/);
    await page.click('button[data-view=text]');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await page.locator('td', { hasText: 'order-42' }).first().waitFor();
    await page.screenshot({ path: join(shots, 'console-message.png'), fullPage: true });
  });

  await step('find the message by id and by time range', async () => {
    await go(`messages?topic=ConsoleTopic&by=id&value=${sentId}`);
    await page.locator('#results tbody tr', { hasText: sentId }).waitFor();
    await go('messages');
    await page.fill('#search-form input[name=topic]', 'ConsoleTopic');
    await page.click('#search-form button[type=submit]');
    await page.locator('#results tbody tr', { hasText: sentId }).waitFor();
  });

  await step("a consumer group's lag changes as messages arrive", async () => {
    await go('groups');
    await page.fill('#group-form input[name=group]', 'ConsoleGroup');
    await page.click('#group-form button[type=submit]');
    await page.waitForSelector('h1:has-text("Consumer group ConsoleGroup")');
    await page.fill('#reset-form input[name=topic]', 'ConsoleTopic');
    await page.fill('#reset-form input[name=time]', '2020-01-01T00:00');
    await page.click('#reset-form button[type=submit]');
    await page.locator('#reset-form .ok').waitFor();
    await page.reload();
    assert.equal(await page.locator('#lag-total').textContent(), '1');
    for (let i = 0; i < 3; i++) await api('/api/messages/send', { topic: 'ConsoleTopic', body: `m${i}` });
    await page.reload();
    assert.equal(await page.locator('#lag-total').textContent(), '4');
    // The console samples every group's lag (every 10 s under mqbroker --standalone): the
    // chart draws a line once two samples exist.
    await eventually(async () => {
      await page.reload();
      await page.locator('svg.chart polyline').waitFor({ state: 'attached', timeout: 1000 });
    });
    await page.screenshot({ path: join(shots, 'console-group.png') });
    await go('groups');
    await page.locator('td', { hasText: 'ConsoleGroup' }).first().waitFor();
  });

  await step('resend a dead letter to the retry topic from the DLQ page', async () => {
    // A dead letter as the broker stores one: a message in the group's %DLQ% topic.
    await api('/api/topic', { topic: '%DLQ%ConsoleGroup', cluster: 'DefaultCluster', writeQueueNums: 1, readQueueNums: 1 });
    await eventually(() => api(`/api/topic?topic=${encodeURIComponent('%DLQ%ConsoleGroup')}`));
    const dead = await api('/api/messages/send', { topic: '%DLQ%ConsoleGroup', body: 'dead letter', keys: 'dead-1' });
    await go('dlq?group=ConsoleGroup');
    await page.locator('#results tbody tr', { hasText: dead.msgId }).click();
    await page.click('#resend-one');
    await page.locator('[role=status]', { hasText: 'Resent 1 message' }).waitFor();
    await page.screenshot({ path: join(shots, 'console-dlq.png') });
    const found = await api(`/api/messages?topic=${encodeURIComponent('%RETRY%ConsoleGroup')}&key=dead-1`);
    assert.equal(found.messages.length, 1);
    assert.equal(found.messages[0].topic, '%RETRY%ConsoleGroup');
  });

  await step('the trace page answers for a message without traces', async () => {
    await go(`traces?id=${sentId}`);
    await page.locator('#results', { hasText: 'No trace record' }).waitFor();
  });

  await step('the producers page reports a group with no producer online', async () => {
    await go('producers?group=NoSuchGroup&topic=ConsoleTopic');
    await page.locator('.error', { hasText: 'NoSuchGroup' }).waitFor();
  });

  await step('delete the topic from its page', async () => {
    await go('topic?topic=ConsoleTopic');
    await page.click('#delete-topic');
    await page.waitForSelector('[data-page=topics]');
    assert.equal(await page.locator('td', { hasText: 'ConsoleTopic' }).count(), 0);
  });

  await step('no script error and no dialog on any page', async () => {
    assert.deepEqual(pageErrors, []);
  });
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`not ok - start\n  ${e && e.stack || e}`);
} finally {
  if (browser) await browser.close();
  if (broker && broker.exitCode === null) {
    const exited = new Promise(res => broker.once('exit', res));
    broker.kill('SIGTERM');
    await exited;
  }
  if (!process.env.SCREENSHOT_DIR) rmSync(work, { recursive: true, force: true });
  else rmSync(join(work, 'store'), { recursive: true, force: true });
}
console.log(`console browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
