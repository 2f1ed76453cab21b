/**
 * tsx scripts/paper-screenshot.ts [PAPER_DIR] [OUT.png]: the top of the paper's index.html in headless Chromium
 * (Debian's /usr/bin/chromium through playwright-core), as shown in the README (docs/paper-screenshot.png).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [dir = 'results/paper', out = 'docs/paper-screenshot.png'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1150, height: 1400 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(dir, 'index.html')).href, { waitUntil: 'load' });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
