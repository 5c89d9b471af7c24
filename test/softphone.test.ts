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
  const missing: string[] = [];
  page.on('response', (r) => r.status() >= 400 && missing.push(`${r.status()} ${r.url()}`));
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
  t.same(missing, [], 'every request the page makes is answered (no favicon 404)');
  // The call's timeline: a block in the colour of the final label, and the activity plot's axis labels.
  // (Runs in the page: counts the pixels of one colour on a canvas.)
  const count = (id: string, rgb: number[]) =>
    page.evaluate(`(() => {
      const c = document.getElementById(${JSON.stringify(id)});
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) n += d[i] === ${rgb[0]} && d[i + 1] === ${rgb[1]} && d[i + 2] === ${rgb[2]} ? 1 : 0;
      return n;
    })()`) as Promise<number>;
  const labelColours: Record<string, number[]> = { angry: [255, 90, 79], happy: [255, 194, 61], sad: [79, 157, 255], neutral: [201, 209, 217] };
  const painted = { block: await count('timeline', labelColours[label!]), ink: await count('activity', [154, 165, 177]) };
  t.ok(painted.block > 200, `the timeline shows the utterance in the colour of '${label}' (${painted.block} pixels)`);
  t.ok(painted.ink > 50, `the activity plot has its scale and time axis drawn (${painted.ink} pixels)`);
  await page.click('#hangup');
});
