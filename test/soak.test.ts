import t from 'tap';
import { Call, Ticker, type CallPlan } from '../bench/load/calls.js';
import { testModelPath } from './helpers/testModel.js';
import { testServer } from './helpers/testServer.js';

const model = testModelPath();

// The short form of bench/soak.bench.ts: calls in real time, ending and being replaced, for a few seconds.
t.test('calls come and go: every utterance is accounted for and every stream released', { skip: model ? false : 'no model' }, async (t) => {
  const server = await testServer(t, model!.path);
  const ticker = new Ticker();
  t.teardown(() => ticker.stop());
  const plan = (i: number): CallPlan => ({ leadInS: (i % 5) * 0.1, utterances: [{ speechS: 1.2 + (i % 3) * 0.3, pauseS: 0.8 }] });
  const calls: Call[] = [];
  const open = async (i: number, wave: number): Promise<void> => {
    const call = new Call(server.address.port, `soak-${wave}-${i}`, plan(i));
    calls.push(call);
    ticker.add(call);
    await call.done;
    if (wave < 2) await open(i, wave + 1); // replaced as soon as it ends
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => open(i, 0)));

  t.equal(calls.length, 24);
  const planned = calls.reduce((n, c) => n + c.utterances, 0);
  t.equal(calls.reduce((n, c) => n + c.speechEnds, 0), planned, 'every utterance ended');
  t.equal(calls.reduce((n, c) => n + c.finals.length, 0), planned, 'and was scored');
  t.same(calls.flatMap((c) => c.errors), [], 'no errors');
  // The server finishes a connection's stream when its side of the close arrives, just after the client's.
  for (let i = 0; i < 100 && server.streams > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(server.streams, 0, 'no stream left open');
});
