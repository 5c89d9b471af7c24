import unittest

import numpy as np

from ser_training.caller_prior import adapted, recall_throughout, ua


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

    def test_a_partial_strength_removes_that_share_of_the_bias(self):
        scores = np.log(np.array([[0.4, 0.3, 0.2, 0.1], [0.7, 0.1, 0.1, 0.1]]))
        full, half = adapted(scores, ["s", "s"], None), adapted(scores, ["s", "s"], None, strength=0.5)
        np.testing.assert_allclose(half, (scores + full) / 2)

    def test_causal_adaptation_uses_only_earlier_utterances(self):
        scores = np.log(np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]]))
        out = adapted(scores, ["s", "s", "s"], 1, seed=3)
        changed = [not np.allclose(out[i], scores[i]) for i in range(3)]
        self.assertEqual(sum(changed), 2, "the first utterance in the call's order has no history")

    def test_a_caller_angry_throughout_is_pulled_away_from_angry(self):
        # Six angry utterances, each heard as angry but with a weaker lead than its history's mean: subtracting the
        # history (all angry) leaves another class on top, which is the balanced-history assumption failing.
        scores = np.log(np.array([[0.55, 0.15, 0.15, 0.15]] * 3 + [[0.8, 0.1, 0.05, 0.05]] * 3))
        plain, adapted_recall = recall_throughout(scores, [0] * 6, ["s"] * 6, 0, 3, seed=2)
        self.assertEqual(plain, 1.0)
        self.assertLess(adapted_recall, 1.0)
        self.assertTrue(all(np.isnan(recall_throughout(scores, [0] * 6, ["s"] * 6, 0, 6))), "no speaker has 6 others")


if __name__ == "__main__":
    unittest.main()
