import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import t from 'tap';
import { spawn } from 'node:child_process';
import { DEFAULT_MODEL_PATH } from '../src/model/loadModel.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) ? `no ${CHROMIUM} (apt-get install chromium)` : !existsSync(DEFAULT_MODEL_PATH) ? 'no shipped model' : false;

t.test('softphone overlay in a real headless Chromium: microphone -> WebRTC -> live emotion on the page', { skip }, async (t) => {
  // The example itself, as a user runs it (npm run example:softphone), on a free port.
  const example = spawn(process.execPath, ['dist/examples/softphone.js'], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => example.kill('SIGKILL'));
  let url = '';
  for await (const chunk of example.stdout) {
    url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(String(chunk))?.[1] ?? '';
    if (url) break;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      // The bundled recording as the microphone, played once, then silence (so the VAD sees the utterance end).
      `--use-file-for-fake-audio-capture=${resolve('examples/audio/caller.wav')}%noloop`,
    ],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.click('#call');
  await page.waitForSelector('body[data-finals="1"]', { timeout: 45000 });
  const label = await page.textContent('#label');
  t.match(label, /^(angry|happy|sad|neutral)$/, `the page shows the final emotion: ${label}`);
  t.match(await page.textContent('#confidence'), /confidence \d+%/);
  t.equal(await page.locator('.bar').count(), 4, 'a bar per class');
  const shot = PNG.sync.read(await page.screenshot());
  const colours = new Set<number>();
  for (let i = 0; i < shot.data.length; i += 4 * 97) colours.add((shot.data[i] << 16) | (shot.data[i + 1] << 8) | shot.data[i + 2]);
  t.ok(colours.size > 20, `the screenshot shows the overlay (${colours.size} colours sampled), not a blank page`);
  t.same(errors, [], 'no page errors');
  await page.click('#hangup');
});
