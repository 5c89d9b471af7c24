// Softphone overlay: sends the microphone to the emotion server over WebRTC (signalling on /webrtc) and shows each
// emotion event as it arrives on the data channel: label, confidence, per-class bars, the activity curve of the
// utterance and a timeline of the call's final emotions.
const $ = (id) => document.getElementById(id);
const labels = ['angry', 'happy', 'sad', 'neutral'];
const colours = { angry: '#ff5a4f', happy: '#ffc23d', sad: '#4f9dff', neutral: '#c9d1d9' };
const INK = '#9aa5b1';
let pc;
let socket;
let finals = 0;
const utterances = []; // the call's final emotions: { startMs, endMs, label, p }

function status(text) {
  $('status').textContent = text;
}

function log(text) {
  const lines = ($('log').textContent + text + '\n').split('\n').slice(-8);
  $('log').textContent = lines.join('\n');
}

function show(event) {
  if (event.type === 'speech_start') return status('Caller speaking…');
  if (event.type === 'speech_end') return status(`Utterance of ${(event.durationMs / 1000).toFixed(1)} s ended`);
  if (event.type === 'error') return log(`error ${event.code}: ${event.message}`);
  if (event.type !== 'emotion') return;
  const p = event.probabilities;
  $('label').textContent = event.label;
  $('label').dataset.final = String(event.final);
  $('confidence').textContent = `confidence ${(p[event.label] * 100).toFixed(0)}%${event.final ? '' : ' (so far)'}`;
  $('speech').textContent = `speech ratio ${(event.speechRatio * 100).toFixed(0)}%`;
  $('bars').innerHTML = labels
    .map((l) => `<div class="bar${l === event.label ? ' top' : ''}"><span>${l}</span><div><span class="fill" style="width:${(p[l] * 100).toFixed(1)}%"></span></div><span>${(p[l] * 100).toFixed(0)}%</span></div>`)
    .join('');
  drawActivity(event.activity, event.frameStartMs);
  if (event.final) {
    utterances.push({ startMs: event.startMs, endMs: event.endMs, label: event.label, p: p[event.label] });
    drawTimeline();
    finals += 1;
    document.body.dataset.finals = String(finals);
    log(`${event.utteranceId}: ${event.label} ${(p[event.label] * 100).toFixed(0)}% (${event.latencyMs} ms after the end)`);
  }
}

// Round steps for an axis from 0 to `span`: 1, 2 or 5 times a power of ten, about `count` of them.
function ticks(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return Array.from({ length: Math.floor(span / step) + 1 }, (_, i) => i * step);
}

// The utterance's activity scores (one per 10 ms frame) on a 0-1 scale with the 0.5 speech line and a time axis.
function drawActivity(activity, startMs) {
  const canvas = $('activity');
  const g = canvas.getContext('2d');
  const [left, bottom, top] = [30, 18, 6];
  const [w, h] = [canvas.width - left - 6, canvas.height - bottom - top];
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = INK;
  g.strokeStyle = INK;
  g.textAlign = 'right';
  for (const v of [0, 0.5, 1]) g.fillText(v.toFixed(1), left - 4, top + h * (1 - v) + 4);
  g.setLineDash([4, 3]);
  g.beginPath();
  g.moveTo(left, top + h / 2);
  g.lineTo(left + w, top + h / 2);
  g.stroke();
  g.setLineDash([]);
  g.fillStyle = '#4f9dff';
  activity.forEach((v, i) => g.fillRect(left + (i / activity.length) * w, top + h * (1 - v), w / activity.length + 1, h * v));
  const seconds = activity.length / 100;
  g.fillStyle = INK;
  g.textAlign = 'center';
  for (const s of ticks(seconds, 6)) g.fillText(`${(startMs / 1000 + s).toFixed(1)} s`, left + (s / seconds) * w, canvas.height - 4);
}

// The call so far: each utterance a block on the call's clock, coloured by its final emotion, with a legend.
function drawTimeline() {
  const canvas = $('timeline');
  const g = canvas.getContext('2d');
  const [left, right] = [10, 10];
  const w = canvas.width - left - right;
  const seconds = Math.max(10, Math.ceil(utterances.at(-1).endMs / 1000 / 10) * 10);
  const x = (ms) => left + (ms / 1000 / seconds) * w;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '11px system-ui, sans-serif';
  g.textAlign = 'left';
  labels.forEach((l, i) => {
    g.fillStyle = colours[l];
    g.fillRect(left + i * 80, 6, 10, 10);
    g.fillStyle = INK;
    g.fillText(l, left + i * 80 + 14, 15);
  });
  for (const u of utterances) {
    g.fillStyle = colours[u.label];
    g.fillRect(x(u.startMs), 24, Math.max(2, x(u.endMs) - x(u.startMs)), 22);
    g.fillStyle = '#11151c';
    if (x(u.endMs) - x(u.startMs) > 40) g.fillText(`${(u.p * 100).toFixed(0)}%`, x(u.startMs) + 3, 39);
  }
  g.fillStyle = INK;
  g.textAlign = 'center';
  for (const s of ticks(seconds, 10)) g.fillText(`${s} s`, Math.min(Math.max(x(s * 1000), left + 10), left + w - 10), canvas.height - 6);
}

async function call() {
  $('call').disabled = true;
  status('Asking for the microphone…');
  const media = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  pc = new RTCPeerConnection();
  media.getAudioTracks().forEach((track) => pc.addTrack(track, media));
  const channel = pc.createDataChannel('events');
  channel.onmessage = (m) => show(JSON.parse(m.data));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
  });
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/webrtc${location.search}`);
  socket.onmessage = async (m) => {
    const message = JSON.parse(m.data);
    if (message.type === 'answer') await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
    else if (message.type === 'started') status('Connected: listening');
  };
  socket.onclose = (e) => status(`Disconnected (${e.code}${e.reason ? `: ${e.reason}` : ''})`);
  await new Promise((resolve) => (socket.onopen = resolve));
  socket.send(JSON.stringify({ type: 'offer', sdp: pc.localDescription.sdp, streamId: 'softphone' }));
  $('hangup').disabled = false;
}

function hangup() {
  socket?.send(JSON.stringify({ type: 'stop' }));
  pc?.getSenders().forEach((s) => s.track?.stop());
  $('hangup').disabled = true;
  $('call').disabled = false;
}

$('call').onclick = () => call().catch((err) => status(`Could not start the call: ${err.message}`));
$('hangup').onclick = hangup;
