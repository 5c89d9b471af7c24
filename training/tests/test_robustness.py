"""The robustness suite's conditions and the eGeMAPS cache. These need the evaluation environment (training/.venv:
onnxruntime, soundfile, opensmile), which run-tests.sh uses for this file."""

import csv
import importlib.util
import json
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NEEDS = ("onnxruntime", "soundfile", "opensmile")
MISSING = [m for m in NEEDS if importlib.util.find_spec(m) is None]
MODEL = Path(__file__).resolve().parents[2] / "models" / "ser-default.onnx"


def vowel(seconds: float, f0: float, rate: int = 16000) -> np.ndarray:
    """A buzzy vowel-like tone: harmonics of f0 with falling amplitude, slightly vibrato."""
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * f0 * (t + 0.002 * np.sin(2 * np.pi * 5 * t))
    return (0.1 * sum(np.sin(k * phase) / k for k in range(1, 20))).astype(np.float32)


@unittest.skipIf(MISSING, f"evaluation environment missing {', '.join(MISSING)} (training/.venv, requirements-eval.txt)")
class ConditionTest(unittest.TestCase):
    def setUp(self):
        from ser_training import robustness

        self.r = robustness
        self.rng = np.random.default_rng(0)
        self.x = vowel(1.5, 140)

    def band_power(self, x: np.ndarray, low: float, high: float) -> float:
        spectrum = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / 16000)
        return float(spectrum[(f >= low) & (f < high)].sum())

    def test_noise_is_added_at_the_snr_and_with_the_colour_asked_for(self):
        for exponent in (1, 2):
            noise = self.r.coloured(len(self.x), exponent, self.rng)
            mixed = self.r.at_snr(self.x, noise, 10)
            self.assertAlmostEqual(10 * np.log10(self.r.power(self.x) / self.r.power(mixed - self.x)), 10, places=3)
            # power per octave: flat for pink (1/f), halving per octave for brown (1/f^2)
            ratio = self.band_power(noise, 1000, 2000) / self.band_power(noise, 500, 1000)
            self.assertAlmostEqual(np.log2(ratio), 1 - exponent, delta=0.15)

    def test_room_impulse_response_decays_60_db_in_rt60_at_0_db_drr(self):
        h = self.r.room_impulse_response(0.5, self.rng)
        tail = h[1:]
        self.assertAlmostEqual(float(np.sum(tail**2)), 1.0, places=6, msg="as much energy as the direct sound")
        envelope = lambda s: float(np.mean(tail[int(s * 16000) : int(s * 16000) + 800] ** 2))  # noqa: E731
        self.assertAlmostEqual(10 * np.log10(envelope(0.05) / envelope(0.30)), 60 * 0.25 / 0.5, delta=2.5)

    def test_telephone_channels_keep_the_length_and_the_band(self):
        table = self.r.conditions()
        low_tone = (0.3 * np.sin(2 * np.pi * 100 * np.arange(16000) / 16000)).astype(np.float32)
        for name in ("G.711 mu-law 8 kHz", "G.711 A-law 8 kHz", "300-3400 Hz band", "GSM 06.10 13 kbit/s", "AMR-NB 4.75 kbit/s"):
            y = table[name](self.x, self.rng, None)
            self.assertEqual(len(y), len(self.x), name)
            if "8 kHz" in name or "kbit" in name:
                self.assertLess(self.band_power(y, 4200, 8000), 1e-3 * self.band_power(y, 0, 8000), f"{name}: an 8 kHz line carries nothing above 4 kHz")
        self.assertLess(self.r.power(table["300-3400 Hz band"](low_tone, self.rng, None)), 0.05 * self.r.power(low_tone))
        for law in ("mulaw", "alaw"):
            self.assertGreater(np.corrcoef(self.r.g711(self.x, law), self.x)[0, 1], 0.99)

    def test_gain_is_exact_without_clipping_and_the_cut_is_one_second(self):
        table = self.r.conditions()
        np.testing.assert_allclose(table["gain +6 dB"](self.x, self.rng, None), self.x * 10 ** (6 / 20), rtol=1e-6)
        self.assertEqual(len(table["first 1.0 s"](self.x, self.rng, None)), 16000)

    def test_suite_scores_every_condition_through_the_shipped_model(self):
        import soundfile

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            rows = []
            for s, speaker in enumerate(("x-1", "x-2", "x-3", "x-4", "x-5", "x-6")):
                for e, emotion in enumerate(self.r.LABELS):
                    path = f"x/{speaker}-{emotion}.flac"
                    (root / "x").mkdir(exist_ok=True)
                    soundfile.write(str(root / path), vowel(1.2 + 0.1 * e, 100 + 30 * e + 5 * s), 16000)
                    rows.append({"path": path, "corpus": "x", "speaker": speaker, "fold": 1, "emotion": emotion})
            with open(root / "manifest.csv", "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            result = self.r.run_suite({"": MODEL}, root / "manifest.csv", ["x"], per_corpus=8,
                                      only=["clean", "gain -20 dB", "babble noise 5 dB SNR", "first 1.0 s"])  # fmt: skip
        self.assertEqual(list(result["conditions"]), ["clean", "gain -20 dB", "babble noise 5 dB SNR", "first 1.0 s"])
        for row in result["conditions"].values():
            self.assertEqual(row["n"], 8, "8 utterances, two per class")
            self.assertTrue(0 <= row["ua"] <= 1 and 0 <= row["angry_recall"] <= 1)
        import onnxruntime

        model_id = onnxruntime.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map["model_id"]
        self.assertEqual(result["model_ids"], {"*": model_id}, "which model scored, from the file's metadata")
        table = self.r.markdown(result)
        self.assertIn("| gain -20 dB |", table)
        json.dumps(result)

    def test_egemaps_functionals(self):
        from ser_training.egemaps import functionals

        f = functionals(vowel(1.0, 150), 16000)
        self.assertEqual(f.shape, (88,))
        self.assertTrue(np.all(np.isfinite(f)))
        self.assertAlmostEqual(float(f[0]), 12 * np.log2(150 / 27.5), delta=1.0, msg="F0 mean in semitones from 27.5 Hz")


if __name__ == "__main__":
    unittest.main()
