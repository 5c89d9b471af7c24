#!/usr/bin/env bash
# Rebuilds the demo calls in this folder from the RAVDESS speech recordings (the 16 kHz FLAC copies in
# ../shared/data/ravdess): each call is its clips in order, with 0.8 s of silence before each clip and after the last;
# the *-8k-mulaw.wav calls are then made 8 kHz G.711 mu-law, as a phone line carries them. calls.json lists every clip
# with what its actor was asked to act and where it lies in the call.
# Run: examples/audio/ravdess/build.sh [RAVDESS_FOLDER]        (needs sox and python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ravdess=${1:-$here/../../../../shared/data/ravdess}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sox -n -r 16000 -c 1 -b 16 "$work/silence.wav" trim 0 0.8

# call file, then its clips (RAVDESS names: modality-channel-emotion-intensity-statement-repetition-actor)
calls=(
  "demo-call.flac 03-01-01-01-01-01-08 03-01-03-02-01-01-08 03-01-04-02-01-01-08 03-01-05-02-01-01-08"
  "call-angry-8k-mulaw.wav 03-01-01-01-01-01-05 03-01-05-02-01-02-05 03-01-05-02-02-02-05"
  "call-calm-8k-mulaw.wav 03-01-01-01-01-01-12 03-01-01-01-02-01-12 03-01-03-02-01-01-12"
  "call-sad-8k-mulaw.wav 03-01-04-02-01-01-23 03-01-01-01-01-01-23 03-01-04-02-02-01-23"
)
for call in "${calls[@]}"; do
  read -r name clips <<< "$call"
  parts=("$work/silence.wav")
  for clip in $clips; do
    file="$ravdess/Actor_${clip: -2}/$clip.flac"
    parts+=("$file" "$work/silence.wav")
    echo "$name $clip $(soxi -D "$file")" >> "$work/clips.txt"
  done
  case $name in
    *-8k-mulaw.wav) sox "${parts[@]}" -r 8000 -e mu-law "$here/$name" ;;
    *) sox "${parts[@]}" -C 8 "$here/$name" ;;
  esac
done

python3 - "$work/clips.txt" > "$here/calls.json" <<'PY'
import json, sys
EMOTIONS = {1: "neutral", 2: "calm", 3: "happy", 4: "sad", 5: "angry", 6: "fearful", 7: "disgust", 8: "surprised"}
GAP = 0.8
calls = {}
for line in open(sys.argv[1]):
    name, clip, seconds = line.split()
    _, _, emotion, intensity, _, _, actor = (int(p) for p in clip.split("-"))
    clips = calls.setdefault(name, [])
    start = (clips[-1]["endS"] if clips else 0) + GAP
    clips.append({"source": f"Actor_{actor:02d}/{clip}.wav", "actor": actor, "acted": EMOTIONS[emotion],
                  "intensity": "normal" if intensity == 1 else "strong", "startS": round(start, 3),
                  "endS": round(start + float(seconds), 3)})
print(json.dumps(calls, indent=2))
PY
