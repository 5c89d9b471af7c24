"""Adaptation to the caller in the network's input (ser_training.caller_profile, ModelConfig.caller_norm)."""

import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ser_training.caller_profile import HistoryProfiles, causal_histories, profile  # noqa: E402
from ser_training.model import AttentionFCN, ModelConfig  # noqa: E402


def spectrogram(frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(-8, 3, (frames, 200)) + np.linspace(0, -6, 200)).astype(np.float32)


class ProfileTest(unittest.TestCase):
    def test_a_history_profile_ignores_each_utterance_level(self):
        history = [spectrogram(120, 1), spectrogram(80, 2)]
        louder = [history[0] + 2 * np.log(4.0), history[1] - 2 * np.log(10.0)]  # +12 dB and -20 dB
        np.testing.assert_allclose(profile(history), profile(louder), atol=1e-4)

    def test_cached_power_sums_give_the_same_profiles(self):
        arrays = [spectrogram(50 + 10 * i, i) for i in range(5)]
        cached = HistoryProfiles(arrays, np.zeros(200, np.float32))
        np.testing.assert_allclose(cached.of([0, 3, 4]), profile([arrays[0], arrays[3], arrays[4]]), atol=1e-5)
        np.testing.assert_array_equal(cached.of([]), np.zeros(200, np.float32))

    def test_causal_histories_hold_only_earlier_utterances_of_the_same_speaker(self):
        speakers = ["a", "b", "a", "a", "b", "a", "c"]
        for limit in (None, 2):
            histories = causal_histories(speakers, limit, seed=3)
            firsts = [i for i, h in enumerate(histories) if not h]
            self.assertEqual(sorted({speakers[i] for i in firsts}), ["a", "b", "c"], "each speaker's first has none")
            self.assertEqual(len(firsts), 3)
            for i, h in enumerate(histories):
                self.assertTrue(all(speakers[j] == speakers[i] and j != i for j in h))
                if limit is not None:
                    self.assertLessEqual(len(h), limit)
            # the order is one random order per speaker: no utterance is in the history of one in its own history
            for i, h in enumerate(histories):
                for j in h:
                    self.assertNotIn(i, histories[j])
        self.assertEqual(max(len(h) for h in causal_histories(speakers, None)), 3, "speaker a's last has all three others")


class CallerNormTest(unittest.TestCase):
    def test_a_line_colouring_the_call_does_not_change_what_the_network_hears(self):
        """A fixed filter of the line adds the same per-bin offset to the utterance and to its history, so reading
        the utterance against the history's profile cancels it (but for the slightly different level shifts it gives
        the utterance and the history); against the population's profile it does not."""
        torch.manual_seed(0)
        model = AttentionFCN(ModelConfig(norm="batch", level_norm=True, caller_norm=True)).eval()
        utterance, history = spectrogram(150, 7), [spectrogram(100, 8), spectrogram(130, 9)]
        tilt = np.linspace(0, -12, 200).astype(np.float32)  # a band-limited line: 12 nepers down at the top bin
        run = lambda x, p: model(torch.from_numpy(x)[None], torch.tensor([x.shape[0]]), None if p is None else torch.from_numpy(p)[None])[0]  # noqa: E731
        with torch.no_grad():
            plain = run(utterance, profile(history))
            coloured = run(utterance + tilt, profile([h + tilt for h in history]))
            unadapted = run(utterance + tilt, None)
        adapted_change, unadapted_change = float((coloured - plain).abs().max()), float((unadapted - plain).abs().max())
        self.assertLess(adapted_change, 1e-3)
        self.assertGreater(unadapted_change, 20 * adapted_change, f"{unadapted_change} against {adapted_change}")


if __name__ == "__main__":
    unittest.main()
