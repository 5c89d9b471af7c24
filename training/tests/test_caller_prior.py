import unittest

import numpy as np

from ser_training.caller_prior import adapted, ua


class CallerPriorTest(unittest.TestCase):
    def test_a_speakers_bias_is_removed_and_the_others_kept(self):
        # Two speakers acting the four classes in turn; the first one's voice adds +2 to class 0 on every utterance.
        truth = [0, 1, 2, 3] * 3
        clean = np.full((12, 4), -3.0)
        clean[np.arange(12), truth] = -1.0
        biased = np.vstack([clean[:8] + [2.0, 0, 0, 0], clean[8:]])
        speakers = ["a"] * 8 + ["b"] * 4
        self.assertLess(ua(truth, biased), 1.0)
        self.assertEqual(ua(truth, adapted(biased, speakers, None)), 1.0)
        np.testing.assert_allclose(adapted(biased, speakers, 0), biased, err_msg="k=0: nothing before, nothing changed")

    def test_causal_adaptation_uses_only_earlier_utterances(self):
        scores = np.log(np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]]))
        out = adapted(scores, ["s", "s", "s"], 1, seed=3)
        changed = [not np.allclose(out[i], scores[i]) for i in range(3)]
        self.assertEqual(sum(changed), 2, "the first utterance in the call's order has no history")


if __name__ == "__main__":
    unittest.main()
