// End-to-end test of `retrotrial app` in headless Chromium (issue 23), driven by playwright-core.
// Run by tests/it/app.rs (`app_in_headless_chromium`), which passes RETROTRIAL_BIN (the binary),
// SHOTS_DIR (where the screenshots go) and REPO (the crate root).
//
// Scenarios: upload the example trial, rename an arm, run with the progress reaching 100 %, find
// the primary result (with the new name and the number the CLI gives) in the report; upload a
// broken file and see the validation error with its line; drop a paper and see its check
// verdicts and report; a sample-size form gives a number and a figure; a meta-analysis report
// with its forest plot; the claims tab with each claim's numbers; no request leaves the app's
// origin; closing the page stops the server.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import assert from 'node:assert/strict';

const bin = process.env.RETROTRIAL_BIN;
const repo = process.env.REPO;
const shots = process.env.SHOTS_DIR;
assert.ok(bin && repo && shots, 'RETROTRIAL_BIN, REPO and SHOTS_DIR must be set');

const app = spawn(bin, ['app', '--no-open'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
const exited = new Promise((resolve) => app.on('exit', (code) => resolve(code)));
const url = await new Promise((resolve, reject) => {
  const rl = createInterface({ input: app.stdout });
  rl.once('line', (l) => resolve(l.replace('retrotrial app: ', '').trim()));
  app.once('exit', () => reject(new Error('the app exited before printing its URL')));
});
const origin = new URL(url).origin;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  // A reload sends the page-close shutdown, and the new page load cancels it: the server must
  // still answer through the long analysis below.
  await page.reload();

  // 1. The example trial, an arm renamed, run, primary result in the report.
  await page.setInputFiles('#file', join(repo, 'datasets/example/trial.csv'));
  await page.waitForSelector('#design:not([hidden])');
  assert.match(await page.textContent('#design-summary'), /long layout, 3460 measurements; arms backward, forward, control/);
  assert.equal(await page.inputValue('#arm-0'), 'backward');
  await page.fill('#arm-0', 'retro_walk');
  // Every percentage the bar shows is recorded: it must climb and end at 100.
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => window.seen.push(document.getElementById('progress-bar').value))
      .observe(document.getElementById('progress-bar'), { attributes: true });
  });
  await page.click('#run');
  await page.waitForSelector('#result:not([hidden])', { timeout: 180000 });
  assert.equal(await page.textContent('#progress-text'), '100 %');
  const seen = await page.evaluate(() => window.seen);
  assert.ok(seen.length >= 2 && seen.at(-1) === 100, 'progress values ' + seen);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'progress never goes back: ' + seen);
  const report = page.frameLocator('#report');
  const primary = report.locator('h2:has-text("Primary result") + div');
  await primary.waitFor({ timeout: 30000 });
  const text = await primary.textContent();
  // The primary result is the pre-specified MMRM (issue 17), with the Welch test beside it.
  assert.match(text, /Pain \(NRS 0-10\): estimand: difference in mean value at week6 between retro_walk and forward[^\n]*Primary analysis: MMRM[^\n]*retro_walk-forward = -0\.665 \(95 % CI \[-1\.08, -0\.255\]\), p = 0\.002[^\n]*Welch t test on complete-case change -0\.639 \[-1\.10, -0\.181\] \(p = 0\.007\)/);
  assert.match(await page.inputValue('#toml'), /retro_walk = \["backward"\]/);
  for (const id of ['#dl-report', '#dl-study', '#dl-records']) {
    const href = await page.getAttribute(id, 'href');
    const r = await page.request.get(new URL(href, origin).href);
    assert.equal(r.status(), 200, id);
  }
  // The form now shows the new name, with the file's label beside it.
  assert.equal(await page.textContent('#arm-rows tr:first-child td:first-child'), 'backward');
  assert.equal(await page.inputValue('#arm-0'), 'retro_walk');
  await page.screenshot({ path: join(shots, 'app-analyse.png') });
  await page.locator('#result').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'app-report.png') });

  // 2. A broken file: the validation error with its line.
  const dir = mkdtempSync(join(tmpdir(), 'retrotrial-e2e-'));
  const broken = join(dir, 'broken.csv');
  writeFileSync(broken, readFileSync(join(repo, 'datasets/example/trial.csv'), 'utf8')
    .replace('P000001,backward,baseline,pain_nrs,5', 'P000001,backward,baseline,pain_nrs,five'));
  await page.setInputFiles('#file', broken);
  await page.waitForSelector('#problems:not([hidden])');
  const row = await page.textContent('#problem-rows tr.error');
  assert.match(row, /line 2/);
  assert.match(row, /five/);
  assert.match(await page.textContent('#status'), /error\(s\) to fix/);
  await page.screenshot({ path: join(shots, 'app-validation.png') });

  // 3. A paper dropped on the check tab: its verdicts and report.
  await page.click('#tab-check');
  await page.setInputFiles('#check-file', join(repo, 'datasets/papers/example.txt'));
  await page.waitForSelector('#check-result:not([hidden])', { timeout: 60000 });
  assert.match(await page.textContent('#check-status'), /example\.txt: \d+ test result\(s\) found/);
  assert.match(await page.textContent('#check-verdicts'), /\d+ inconsistent/);
  assert.match(await page.textContent('#check-verdicts'), /\d+ decision error/);
  const checkReport = page.frameLocator('#check-report');
  await checkReport.locator('h2:has-text("example.txt")').waitFor({ timeout: 30000 });
  assert.match(await checkReport.locator('body').textContent(), /Quadriceps strength did not differ/);
  await page.screenshot({ path: join(shots, 'app-check.png') });

  // 4. The sample-size form: a number and its power curve.
  await page.click('#tab-power');
  await page.selectOption('#power-design', 'ancova');
  await page.fill('#power-rho', '0.5');
  await page.click('#power-run');
  await page.waitForSelector('#power-result:not([hidden])', { timeout: 30000 });
  // The number `retrotrial power` gives for the same plan.
  const cli = JSON.parse(execFileSync(bin, ['power', '--design', 'ancova', '--delta', '1', '--sd', '2',
    '--rho', '0.5', '--power', '0.8', '--format', 'json'], { encoding: 'utf8' }));
  assert.equal(await page.textContent('#power-headline'),
    `Recruit ${cli.n_ceiling} per arm (${cli.n_total_ceiling} in all) for 80 % power.`);
  assert.match(await page.textContent('#power-table'), /ANCOVA on baseline/);
  await page.waitForFunction(() => document.getElementById('power-figure').naturalWidth > 300);
  await page.screenshot({ path: join(shots, 'app-power.png') });
  // A form clap refuses: its message in the page (Chromium logs the 422 answer as a console
  // error; that one is expected and taken out).
  const before = errors.length;
  await page.fill('#power-rho', '');
  await page.click('#power-run');
  await page.waitForSelector('#power-status.error-text');
  assert.match(await page.textContent('#power-status'), /need --rho/);
  assert.deepEqual(errors.splice(before).map((e) => /status of 422/.test(e)), [true]);

  // 5. A meta-analysis of a studies table: its report with the forest plot.
  await page.click('#tab-meta');
  await page.setInputFiles('#meta-file', join(repo, 'datasets/golden/meta8.csv'));
  await page.click('#meta-run');
  await page.waitForSelector('#meta-result:not([hidden])', { timeout: 60000 });
  const metaReport = page.frameLocator('#meta-report');
  await metaReport.locator('figure svg').first().waitFor({ timeout: 30000 });
  assert.match(await metaReport.locator('body').textContent(), /Forest plot/);
  await page.screenshot({ path: join(shots, 'app-meta.png') });

  // 6. The claims tab, a claim's numbers open, and the full reproduction report.
  await page.click('#tab-claims');
  await page.waitForSelector('.card', { timeout: 120000 });
  assert.ok((await page.locator('.card').count()) >= 5);
  assert.match(await page.textContent('.card'), /C1: .*partly supported.*certainty: low/s);
  await page.locator('.card details summary').first().click();
  assert.match(await page.textContent('.card details'), /result\(s\) used/);
  await page.screenshot({ path: join(shots, 'app-claims.png') });
  await page.click('#claims-report-open');
  await page.frameLocator('#claims-report').locator('figure svg').first().waitFor({ timeout: 60000 });

  // Nothing was loaded from anywhere else, and the page raised no error (a CSP violation would).
  const foreign = requests.filter((u) => !u.startsWith(origin + '/'));
  assert.deepEqual(foreign, [], 'requests outside the app');
  assert.deepEqual(errors, [], 'console errors');

  // 7. Closing the page stops the server (after its reload grace).
  await page.close({ runBeforeUnload: true });
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15000))]);
  assert.equal(code, 0, 'the app stops when the page closes');
  console.log('e2e: all scenarios passed');
} finally {
  await browser.close();
  app.kill();
}
