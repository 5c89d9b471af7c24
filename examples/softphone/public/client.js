// Softphone overlay: sends the microphone to the emotion server over WebRTC (signalling on /webrtc) and shows each
// emotion event as it arrives on the data channel: label, confidence, per-class bars and the activity curve.
const $ = (id) => document.getElementById(id);
const labels = ['angry', 'happy', 'sad', 'neutral'];
let pc;
let socket;
let finals = 0;

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
  const canvas = $('activity');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#4f9dff';
  const a = event.activity;
  a.forEach((v, i) => g.fillRect((i / a.length) * canvas.width, canvas.height * (1 - v), canvas.width / a.length + 1, canvas.height * v));
  if (event.final) {
    finals += 1;
    document.body.dataset.finals = String(finals);
    log(`${event.utteranceId}: ${event.label} ${(p[event.label] * 100).toFixed(0)}% (${event.latencyMs} ms after the end)`);
  }
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
