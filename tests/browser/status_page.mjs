// Drives the status page of a running `intake run` in headless Chromium (Debian's package):
// enters the API token, finds every connector card with its status and 14-day chart, checks that a
// hostile Markdown description stayed text, runs a sample query by clicking it and sees result
// rows, then saves a screenshot. Exits non-zero with a message on the first failed expectation.
//
//   node status_page.mjs <url> <token> <expected cards> <screenshot.png>
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, token, expectedCards, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'intake-chromium-'));
const problems = [];
const expect = (ok, what) => { if (!ok) throw new Error(what); };

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1100 },
});
let status = 0;
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('console', m => { // 401 (before the token) and 400 (the deliberate KQL error) are answers the page handles.
    if (m.type() === 'error' && !/Failed to load resource: .* (400|401)/.test(m.text())) problems.push('console: ' + m.text()); });
  page.on('dialog', d => { problems.push('dialog opened: ' + d.message()); d.dismiss(); });
  await page.goto(url, { waitUntil: 'load' });

  // The API wants the bearer token: the page asks for it.
  await page.waitForSelector('#token-form:not([hidden])', { timeout: 15000 });
  await page.fill('#token', token);
  await page.click('#token-form button[type=submit]');

  await page.waitForFunction(n => document.querySelectorAll('.card').length === n, Number(expectedCards), { timeout: 15000 });
  const cards = await page.$$eval('.card', els => els.map(c => ({
    name: c.dataset.connector,
    status: c.querySelector('.status')?.textContent,
    bars: c.querySelectorAll('svg.chart rect').length,
    rows: [...c.querySelectorAll('svg.chart rect')].reduce((a, r) => a + Number(r.dataset.rows), 0),
    samples: c.querySelectorAll('.sample-query').length,
    descriptionImages: c.querySelectorAll('.description img, .description script').length,
    descriptionText: c.querySelector('.description')?.textContent || '',
    links: [...c.querySelectorAll('.description a')].map(a => a.getAttribute('href')),
  })));
  for (const c of cards) {
    expect(['Connected', 'Disconnected', 'Starting'].includes(c.status), `${c.name}: unexpected status ${c.status}`);
    expect(c.bars === 14, `${c.name}: chart has ${c.bars} bars, expected 14`);
    expect(c.rows > 0, `${c.name}: chart shows no rows`);
    expect(c.samples > 0, `${c.name}: no sample queries`);
    expect(c.descriptionImages === 0, `${c.name}: markup from the description reached the page`);
    expect(c.links.every(h => /^https?:\/\//.test(h)), `${c.name}: a non-http link was rendered: ${c.links}`);
  }
  const hostile = cards.find(c => c.descriptionText.includes('<img'));
  expect(hostile, 'the hostile description should show its markup as text');
  expect(await page.title() !== 'pwned', 'script from a description ran');

  // Wait for data to be shown as connected, then run a sample query in place.
  await page.waitForFunction(() => [...document.querySelectorAll('.card .status')].some(s => s.textContent === 'Connected'),
                             null, { timeout: 30000 });
  await page.click('.card .sample-query');
  await page.waitForSelector('#results[data-rows]', { timeout: 15000 });
  const resultRows = await page.$$eval('#results tbody tr', r => r.length);
  expect(resultRows > 0, 'the sample query returned no rows');
  const header = await page.$$eval('#results thead th', t => t.map(x => x.textContent));
  expect(header.length > 0, 'the result table has no columns');

  // The query box reports KQL errors with their position.
  await page.fill('#query', 'NoSuchTable | take 1');
  await page.click('#run-query');
  await page.waitForSelector('#query-error:not([hidden])', { timeout: 10000 });
  expect(/kql:1:/.test(await page.textContent('#query-error')), 'a KQL error should name its position');
  await page.click('.card .sample-query');
  await page.waitForSelector('#results[data-rows]', { timeout: 15000 });

  await page.screenshot({ path: screenshot, fullPage: true });
  expect(problems.length === 0, problems.join('\n'));
  console.log(`ok cards=${cards.length} resultRows=${resultRows} screenshot=${screenshot}`);
} catch (e) {
  console.error('status page check failed: ' + e.message + (problems.length ? '\n' + problems.join('\n') : ''));
  status = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
