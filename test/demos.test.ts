import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const clips = JSON.parse(readFileSync('examples/audio/ravdess/calls.json', 'utf8')) as Record<string, { acted: string }[]>;

// The first run a newcomer sees: the bundled call's four acted emotions come back as four final events, each printed
// beside what was acted, and the model (which trained on RAVDESS) hears each of them.
t.test('npm run demo: each final emotion of the bundled call, beside what its actor acted', async (t) => {
  const { stdout } = await run('node', ['dist/examples/liveDemo.js', '--fast']);
  const finals = stdout.split('\n').filter((l) => l.includes('[FINAL'));
  t.equal(finals.length, clips['demo-call.flac'].length, stdout);
  finals.forEach((line, i) => {
    const acted = clips['demo-call.flac'][i].acted;
    t.match(line, new RegExp(`acted: ${acted} `), `utterance ${i + 1} is matched with its clip`);
    t.match(line, new RegExp(`\\s${acted.toUpperCase()} \\(`), `utterance ${i + 1} is heard as ${acted}`);
  });
});

t.test('npm run example:routing: the angry caller is routed, the calm and the sad callers are not, each with the reason', async (t) => {
  const { stdout } = await run('node', ['dist/examples/callCentreRouting.js', '--fast']);
  t.match(stdout, /call MZ-call-angry: ROUTE TO A SENIOR AGENT \(angry in 2 of the last 3 utterances\)/);
  t.match(stdout, /call MZ-call-angry: ended, routed to a senior agent/);
  t.match(stdout, /call MZ-call-calm: ended, not routed: angry in 0 of 3 utterances/);
  t.match(stdout, /call MZ-call-sad: ended, not routed: angry in 0 of 3 utterances/);
  t.equal(stdout.match(/ROUTE TO A SENIOR AGENT/g)?.length, 1, 'one call routed');
});
