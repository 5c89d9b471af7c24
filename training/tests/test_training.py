"""A tiny end-to-end training run on synthetic features: the loss falls, checkpoints resume, results are written."""

import csv
import importlib.util
import json
import sys
import subprocess
import tempfile
import unittest
import unittest.mock
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ser_training import protocols  # noqa: E402
from ser_training.data import FeatureStore, read_manifest, select, validation_speakers  # noqa: E402
from ser_training.metrics import summarise  # noqa: E402
from ser_training.model import DEFAULT_LABELS  # noqa: E402
from ser_training.train import mix, segments, train, warp  # noqa: E402


def synthetic_corpus(root: Path) -> Path:
    """Two corpora, 10 speakers in folds 1-5, four emotions made separable by where their energy sits in frequency."""
    rng = np.random.default_rng(0)
    rows = []
    for corpus in ("a", "b"):
        for s in range(5):
            speaker = f"{corpus}-{s}"
            for e, emotion in enumerate(DEFAULT_LABELS + ("calm",)):
                for take in range(3):
                    path = f"{corpus}/{speaker}-{emotion}-{take}.flac"
                    frames = int(rng.integers(40, 160))
                    x = rng.normal(-10, 1, (frames, 200)).astype(np.float32)
                    x[:, 40 * (e % 4) : 40 * (e % 4) + 30] += 6  # the class's band
                    for channel in ("wideband", "telephone"):
                        file = root / "features" / channel / Path(path).with_suffix(".npy")
                        file.parent.mkdir(parents=True, exist_ok=True)
                        np.save(file, x if channel == "wideband" else x * 0.9)
                    rows.append({"path": path, "corpus": corpus, "speaker": speaker, "fold": s + 1, "emotion": emotion})
    manifest = root / "manifest.csv"
    with open(manifest, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


class SplitTest(unittest.TestCase):
    def test_folds_are_speaker_disjoint_and_validation_comes_from_training_speakers(self):
        with tempfile.TemporaryDirectory() as d:
            items = select(read_manifest(synthetic_corpus(Path(d))), DEFAULT_LABELS, None)
        self.assertEqual(len(items), 2 * 5 * 4 * 3, "calm is left out by default")
        for fold in range(1, 6):
            train_items, val, test = protocols.FiveFold(fold).split(items)
            speakers = [{u.speaker for u, _ in part} for part in (train_items, val, test)]
            self.assertFalse(speakers[0] & speakers[1] or speakers[0] & speakers[2] or speakers[1] & speakers[2])
            self.assertEqual({u.fold for u, _ in test}, {fold})
            self.assertNotIn(fold, {u.fold for u, _ in val})
            self.assertEqual(len(validation_speakers([u for u, _ in items], fold)), 2, "one speaker per corpus")

    def test_calm_can_join_neutral(self):
        with tempfile.TemporaryDirectory() as d:
            items = select(read_manifest(synthetic_corpus(Path(d))), DEFAULT_LABELS, "neutral")
        self.assertEqual(sum(1 for _, label in items if label == DEFAULT_LABELS.index("neutral")), 2 * 5 * 2 * 3)


class ProtocolTest(unittest.TestCase):
    def test_leave_one_corpus_out_tests_every_speaker_of_one_corpus_and_validates_on_the_others(self):
        with tempfile.TemporaryDirectory() as d:
            items = select(read_manifest(synthetic_corpus(Path(d))), DEFAULT_LABELS, None)
        train_items, val, test = protocols.LeaveOneCorpusOut("b").split(items)
        self.assertEqual({u.corpus for u, _ in test}, {"b"})
        self.assertEqual(len(test), 5 * 4 * 3, "every speaker and utterance of the corpus left out")
        self.assertEqual({u.corpus for u, _ in train_items + val}, {"a"})
        self.assertEqual([u.speaker for u, _ in val][:1], ["a-0"], "fold 1's validation speaker of the training corpus")
        self.assertFalse({u.speaker for u, _ in train_items} & {u.speaker for u, _ in val})

    def test_parts_are_named_and_misspellings_refused(self):
        self.assertEqual(protocols.parse("loco-nemo"), protocols.LeaveOneCorpusOut("nemo"))
        self.assertEqual(protocols.parse("fold4").part, "fold4")
        self.assertEqual(protocols.parse("all").part, "all")
        for bad in ("fold6", "loco-", "five"):
            with self.assertRaisesRegex(ValueError, "unknown split"):
                protocols.parse(bad)
        with self.assertRaisesRegex(ValueError, "no utterance of corpus 'iemocap'"):
            protocols.parse("loco-iemocap").split([])
        from ser_training.runner import parts

        self.assertEqual(parts("1,loco-ased"), ["fold1", "loco-ased"])
        self.assertEqual(parts("loco"), [f"loco-{c}" for c in protocols.CORPORA])

    def test_loco_summary_gives_each_corpus_and_the_worst(self):
        from ser_training.results import loco_summary

        def part(corpus, right):
            predictions = [{"path": f"{corpus}/{c}.flac", "truth": c, "probabilities": np.eye(4)[c if c < right else (c + 1) % 4].tolist()}
                           for c in range(4)]  # fmt: skip
            return {"split": f"loco-{corpus}", "test_corpus": corpus, "wideband": {"predictions": predictions}}

        summary = loco_summary([part("emodb", 4), part("ased", 1)], "wideband")
        self.assertEqual(list(summary["corpora"]), ["emodb", "ased"])
        self.assertAlmostEqual(summary["mean_ua"], (1 + 0.25) / 2)
        self.assertEqual((summary["worst"], summary["complete"]), ("ased", False))


class CalibrationTest(unittest.TestCase):
    def test_ece_temperature_and_routing(self):
        from ser_training.calibration import expected_calibration_error, fit_temperature, loco_calibration, routing, tempered

        rng = np.random.default_rng(0)
        logits = rng.normal(0, 2, (4000, 4))
        calibrated = tempered(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), 1.0)
        truth = np.array([rng.choice(4, p=p) for p in calibrated])  # labels drawn from the probabilities themselves
        self.assertLess(expected_calibration_error(calibrated, truth), 0.03)
        overconfident = tempered(calibrated, 0.4)
        self.assertGreater(expected_calibration_error(overconfident, truth), 0.1)
        self.assertAlmostEqual(fit_temperature(overconfident, truth), 1 / 0.4, delta=0.2)
        parts = {"a": (overconfident[:2000], truth[:2000]), "b": (overconfident[2000:], truth[2000:])}
        c = loco_calibration(parts)
        self.assertLess(c["ece_tempered"], 0.04)
        self.assertAlmostEqual(c["temperatures"]["a"], fit_temperature(*parts["b"]), places=6, msg="corpus a's T from b only")
        r = routing(np.array([[0.7, 0.1, 0.1, 0.1], [0.65, 0.35, 0, 0], [0.5, 0.5, 0, 0], [0.1, 0.9, 0, 0]]), np.array([0, 1, 0, 1]))
        self.assertEqual(r, {"precision": 0.5, "recall": 0.5, "flagged": 2})


class AugmentTest(unittest.TestCase):
    def test_noise_is_mixed_at_the_snr_asked_for(self):
        from ser_training.augment import coloured_noise, mix_at_snr
        from ser_training.features import mean_log_power

        rng = np.random.default_rng(0)
        x = rng.normal(-5, 2, (300, 200)).astype(np.float32)
        noise = coloured_noise(300, rng)
        for snr in (0.0, 10.0, 20.0):
            mixed = mix_at_snr(x, noise, snr)
            added = np.log(np.exp(mixed.astype(np.float64)) - np.exp(x.astype(np.float64)))
            self.assertAlmostEqual(10 * (mean_log_power(x) - mean_log_power(added)) / np.log(10), snr, places=2)

    def test_reverberation_adds_a_decaying_tail_at_the_ratio_asked_for(self):
        from ser_training.augment import reverberate

        x = np.full((400, 200), np.log(1e-10), np.float32)
        x[10] = 0.0  # an impulse of power 1 in every bin
        y = np.exp(reverberate(x, 0.5, 6.0).astype(np.float64)) - 1e-10
        tail = y[11:, 0].sum()
        self.assertAlmostEqual(10 * np.log10(1 / tail), 6.0, places=1)
        decay_db = 10 * np.log10(y[11, 0] / y[61, 0])
        self.assertAlmostEqual(decay_db, 60 * 0.5 / 0.5, places=1, msg="60 dB in RT60: 50 frames of 10 ms = 0.5 s")
        self.assertTrue(np.all(np.diff(y[11:100, 0]) < 0))

    def test_balanced_sampling_evens_out_corpora_and_classes(self):
        from ser_training.data import Utterance
        from ser_training.train import balanced_indices

        items = [(Utterance(f"big/{i}", "big", "s", 1, "angry"), i % 2) for i in range(900)]
        items += [(Utterance(f"small/{i}", "small", "t", 1, "sad"), 2 + i % 2) for i in range(10)]
        drawn = balanced_indices(items, 4000, np.random.default_rng(0))
        corpora = np.array([items[i][0].corpus == "small" for i in drawn])
        labels = np.bincount([items[i][1] for i in drawn], minlength=4) / 4000
        self.assertAlmostEqual(corpora.mean(), 0.5, delta=0.03)
        np.testing.assert_allclose(labels, 0.25, atol=0.03)


class AdversaryTest(unittest.TestCase):
    def test_gradient_reversal_is_the_identity_forward_and_turns_the_gradient_back(self):
        import torch

        from ser_training.adversary import reverse_gradient

        x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = reverse_gradient(x, 0.3)
        self.assertTrue(torch.equal(y, x.detach()))
        (y * torch.tensor([1.0, 2.0, 4.0])).sum().backward()
        self.assertTrue(torch.allclose(x.grad, torch.tensor([-0.3, -0.6, -1.2])))

    def test_reversal_weight_ramps_from_nothing_to_its_final_value(self):
        from ser_training.adversary import reversal_weight

        weights = [reversal_weight(p / 10, 0.3) for p in range(11)]
        self.assertEqual(weights[0], 0.0)
        self.assertEqual(weights, sorted(weights))
        self.assertAlmostEqual(weights[-1], 0.3, places=3)


class MetricsTest(unittest.TestCase):
    def test_weighted_and_unweighted_accuracy(self):
        truth = [0, 0, 0, 0, 1, 2, 3, 3]
        predicted = [0, 0, 0, 1, 1, 0, 3, 2]
        r = summarise(truth, predicted, ["x"] * 6 + ["y"] * 2, 4)
        self.assertAlmostEqual(r["wa"], 5 / 8)
        self.assertAlmostEqual(r["ua"], (3 / 4 + 1 + 0 + 1 / 2) / 4)
        self.assertAlmostEqual(r["corpora"]["y"]["ua"], 0.5)

    def test_pooled_figures_can_leave_utterances_out(self):
        from ser_training.results import pooled

        def prediction(path, truth, guess):
            return {"path": path, "truth": truth, "probabilities": [0.9 if c == guess else 0.1 / 3 for c in range(4)]}

        # Five folds of one seed: each has one right answer per class and one calm utterance (truth neutral) called sad.
        results = [{"config": {"seed": 1}, "test_fold": k, "wideband": {"predictions": [
            *(prediction(f"c/{k}-{c}.flac", c, c) for c in range(4)), prediction(f"ravdess/{k}-calm.flac", 3, 2)]}}
            for k in range(1, 6)]  # fmt: skip
        calm = frozenset(f"ravdess/{k}-calm.flac" for k in range(1, 6))
        everything, without_calm = (pooled(results, "wideband", leave)["seeds"][0] for leave in (frozenset(), calm))
        self.assertAlmostEqual(everything["ua"], (1 + 1 + 1 + 0.5) / 4)
        self.assertEqual((without_calm["ua"], without_calm["n"], without_calm["fold_ua"]), (1.0, 20, [1.0] * 5))
        self.assertNotIn("ravdess", without_calm["corpora"])

    def test_ensemble_scores_only_what_every_member_scored(self):
        from ser_training import results as kept

        def fold(seed, k, calm_as, p_happy):
            predictions = [{"path": f"c/{k}.flac", "truth": 1, "probabilities": [0.0, p_happy, 1 - p_happy, 0.0]}]
            if calm_as:
                predictions.append({"path": f"ravdess/{k}-calm.flac", "truth": 3, "probabilities": [0, 0, 0, 1.0]})
            channel = {"predictions": predictions}
            return {"config": {"seed": seed, "calm_as": calm_as}, "test_fold": k, "wall_seconds": 1.0, "wideband": channel, "telephone": channel}

        with tempfile.TemporaryDirectory() as tmp, unittest.mock.patch.object(kept, "RESULTS", Path(tmp)):
            for name, calm_as, p_happy in (("plain", "", 0.4), ("calm", "neutral", 0.8)):
                for k in range(1, 6):
                    file = Path(tmp) / name / "seed1" / f"fold{k}.json"
                    file.parent.mkdir(parents=True, exist_ok=True)
                    file.write_text(json.dumps(fold(1, k, calm_as, p_happy)))
            merged = kept.ensemble_results([("calm", 1), ("plain", 1)])
            (Path(tmp) / "calm" / "seed1" / "fold4.json").unlink()  # a member still training: the folds both have
            self.assertEqual([r["test_fold"] for r in kept.ensemble_results([("calm", 1), ("plain", 1)])], [1, 2, 3, 5])
        self.assertEqual(len(merged), 5)
        for r in merged:
            [only] = r["wideband"]["predictions"]
            self.assertEqual(only["path"], f"c/{r['test_fold']}.flac")
            self.assertAlmostEqual(only["probabilities"][1], 0.6)
            self.assertEqual(r["config"]["calm_as"], "neutral")

    def test_comparisons_pair_the_folds_both_runs_have_and_measure_seed_noise(self):
        from ser_training import comparisons, results as kept

        def fold(seed, k, right):
            """One fold whose four test utterances (one per class) are right for the first `right` classes."""
            predictions = [{"path": f"c/{k}-{c}.flac", "truth": c, "probabilities": np.eye(4)[c if c < right else (c + 1) % 4].tolist()}
                           for c in range(4)]  # fmt: skip
            return {"config": {"seed": seed}, "test_fold": k, "wideband": {"predictions": predictions}, "telephone": {"predictions": predictions}}

        runs = {"a": {(1, k): 4 for k in range(1, 6)}, "b": {(1, k): 2 for k in range(1, 4)},  # b has folds 1-3 only
                "noisy": {(s, k): 4 - (s == 2) for s in (1, 2) for k in range(1, 6)}}  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp, unittest.mock.patch.object(kept, "RESULTS", Path(tmp)):
            for name, folds in runs.items():
                for (seed, k), right in folds.items():
                    file = Path(tmp) / name / f"seed{seed}" / f"fold{k}.json"
                    file.parent.mkdir(parents=True, exist_ok=True)
                    file.write_text(json.dumps(fold(seed, k, right)))
            sd, widest, seeds = comparisons.seed_noise("noisy", frozenset())
            with unittest.mock.patch.multiple(comparisons, COMPARISONS=[("a or b?", "a", "b")], SEED_NOISE_RUNS={True: ("holdout", "noisy")}):
                [row] = [line for line in comparisons.comparisons_section() if line.startswith("| a or b?")]
        self.assertEqual(seeds, 2)
        self.assertAlmostEqual(widest, 25.0)  # one class of four wrong
        self.assertAlmostEqual(sd, 25.0 / np.sqrt(2))
        # Three folds of one seed each: the mean difference's noise is sd * sqrt(2 / 3) = 14.4 points, and 50 is beyond twice it.
        self.assertEqual(row, "| a or b? | a - b | 1, 2, 3 | +50.0, +50.0, +50.0 | +50.0 | +50.0 | 3 of 3 / 3 of 3 | first higher on both channels (2 x 14.4) |")
        self.assertEqual(comparisons.reading({"wideband": 20.0, "telephone": -30.0}, 14.4), "wideband: within noise; telephone: second higher (2 x 14.4)")


class TrainingTest(unittest.TestCase):
    def test_tiny_run_learns_resumes_and_reports(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            manifest = synthetic_corpus(root)
            args = dict(features=root / "features", manifest=manifest, out=root / "run", split="fold1",
                        threads=1, device="cpu", epochs=4, batch_size=8, lr=3e-3, max_frames=100, encoder="alexnet",
                        norm="batch", seed=3)  # fmt: skip
            train(SimpleNamespace(**args, stop_after=2))
            self.assertFalse((root / "run" / "result.json").exists(), "interrupted: no result yet")
            train(SimpleNamespace(**args, stop_after=0))  # resumes from last.pt after epoch 2
            result = json.loads((root / "run" / "result.json").read_text())
            losses = [h["loss"] for h in result["history"]]
            self.assertEqual([h["epoch"] for h in result["history"]], [1, 2, 3, 4])
            self.assertLess(losses[-1], losses[0], f"loss falls: {losses}")
            self.assertEqual(result["wideband"]["n"], 2 * 4 * 3)
            self.assertGreater(result["wideband"]["ua"], 0.5, "separable synthetic classes are learnt")
            self.assertIn("telephone", result)

    def test_all_speakers_run_with_warping_and_mixup(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            args = dict(features=root / "features", manifest=synthetic_corpus(root), out=root / "final", split="all",
                        threads=1, device="cpu", epochs=3, batch_size=8, lr=3e-3, max_frames=100,
                        encoder="alexnet", norm="batch", seed=4, warp=0.1, mixup=0.4, stop_after=0)  # fmt: skip
            train(SimpleNamespace(**args))
            summary = json.loads((root / "final" / "final.json").read_text())
        self.assertEqual(summary["config"]["mixup"], 0.4)
        self.assertEqual(len(summary["history"]), 3)
        self.assertFalse(set(summary["validation_speakers"]) & set(summary["train_speakers"]))
        self.assertEqual(len(summary["train_speakers"]) + len(summary["validation_speakers"]), 10, "every speaker")

    def test_without_holdout_every_training_speaker_trains_and_the_final_epoch_is_kept(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            args = dict(features=root / "features", manifest=synthetic_corpus(root), out=root / "run", split="fold3",
                        threads=1, device="cpu", epochs=2, batch_size=8, lr=3e-3, max_frames=100, encoder="alexnet",
                        norm="batch", seed=6, holdout=False, pooling="attention_stats", stop_after=0)  # fmt: skip
            train(SimpleNamespace(**args))
            result = json.loads((root / "run" / "result.json").read_text())
        self.assertEqual((result["validation_speakers"], len(result["train_speakers"])), ([], 8))
        self.assertEqual(result["best_epoch"], 2)
        self.assertNotIn("val_ua", result["history"][-1])
        self.assertEqual(result["wideband"]["n"], 2 * 4 * 3)

    def test_leave_one_corpus_out_run_with_a_fixed_budget_balanced_sampling_level_norm_and_corruption(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            args = dict(features=root / "features", manifest=synthetic_corpus(root), out=root / "loco", split="loco-a",
                        threads=1, device="cpu", epochs=2, updates=10, batch_size=8, lr=3e-3, max_frames=100,
                        encoder="alexnet", norm="batch", seed=8, holdout=False, sampling="balanced", level_norm=True,
                        noise_prob=1.0, reverb_prob=1.0, stop_after=0)  # fmt: skip
            train(SimpleNamespace(**args))
            result = json.loads((root / "loco" / "result.json").read_text())
        self.assertEqual((result["split"], result["test_corpus"]), ("loco-a", "a"))
        self.assertEqual([h["epoch"] for h in result["history"]], [1, 2], "10 updates in 2 checkpoints")
        self.assertEqual({p["path"].split("/")[0] for p in result["wideband"]["predictions"]}, {"a"})
        self.assertEqual(result["wideband"]["n"], 5 * 4 * 3)
        self.assertEqual(set(result["train_speakers"]), {f"b-{s}" for s in range(5)})

    def test_corpus_adversarial_run_logs_the_corpus_classifier_resumes_and_exports_without_it(self):
        import onnx

        from ser_training.checkpoint import load_checkpoint
        from ser_training.export import export_onnx

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            args = dict(features=root / "features", manifest=synthetic_corpus(root), out=root / "adv", split="fold1",
                        threads=1, device="cpu", epochs=2, updates=10, batch_size=8, lr=3e-3, max_frames=100,
                        encoder="alexnet", norm="batch", seed=9, holdout=False, sampling="balanced",
                        corpus_adversary=0.3)  # fmt: skip
            train(SimpleNamespace(**args, stop_after=1))
            train(SimpleNamespace(**args, stop_after=0))  # the corpus classifier resumes with the network
            result = json.loads((root / "adv" / "result.json").read_text())
            model, _ = load_checkpoint(root / "adv" / "best.pt")
            graph = onnx.load(str(export_onnx(model, root / "adv.onnx", "adv"))).graph
            with self.assertRaisesRegex(SystemExit, "two or more training corpora"):
                train(SimpleNamespace(**{**args, "out": root / "one", "split": "loco-a"}, stop_after=0))
        accuracy = [h["corpus_accuracy"] for h in result["history"]]
        self.assertEqual(len(accuracy), 2)
        self.assertTrue(all(0.0 <= a <= 1.0 for a in accuracy), accuracy)
        self.assertEqual(result["wideband"]["n"], 2 * 4 * 3)
        self.assertEqual([o.name for o in graph.output], ["probabilities", "attention", "attention_lengths"])
        self.assertFalse([k for k in model.state_dict() if "adversary" in k or k.startswith("net.")], "no corpus head in the network")

    def test_speaker_normalised_inputs_train_evaluate_alike_and_do_not_export(self):
        from ser_training.data import SpeakerNormalisedStore
        from ser_training.evaluate import evaluate_checkpoints

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            manifest = synthetic_corpus(root)
            utterances = read_manifest(manifest)
            store = SpeakerNormalisedStore(FeatureStore(root / "features"), utterances)
            frames = np.concatenate([store.get(u, "telephone") for u in utterances if u.speaker == "a-2"])
            np.testing.assert_allclose(frames.mean(axis=0), 0, atol=1e-4)
            np.testing.assert_allclose(frames.std(axis=0), 1, atol=1e-3)
            args = dict(features=root / "features", manifest=manifest, out=root / "run", split="fold3", threads=1,
                        device="cpu", epochs=1, batch_size=8, lr=3e-3, max_frames=100, encoder="alexnet", norm="batch",
                        seed=7, holdout=False, speaker_norm=True, stop_after=0)  # fmt: skip
            train(SimpleNamespace(**args))
            result = json.loads((root / "run" / "result.json").read_text())
            again = evaluate_checkpoints([root / "run" / "last.pt"], root / "features", manifest, "fold3")
            exported = subprocess.run([sys.executable, "-m", "ser_training.export", str(root / "run" / "last.pt"), str(root / "m.onnx")],
                                      cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)  # fmt: skip
        self.assertTrue(result["config"]["speaker_norm"])
        for channel in ("wideband", "telephone"):
            ours = np.array([p["probabilities"] for p in result[channel]["predictions"]])
            np.testing.assert_allclose(np.array([p["probabilities"] for p in again[channel]["predictions"]]), ours, atol=1e-4)
        self.assertNotEqual(exported.returncode, 0)
        self.assertIn("speaker-normalised", exported.stderr)

    @unittest.skipUnless(importlib.util.find_spec("sklearn"), "scikit-learn is not installed (apt-get install python3-sklearn)")
    def test_svm_baseline_on_functionals(self):
        from ser_training.baseline_svm import run as run_svm

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            manifest = synthetic_corpus(root)
            run_svm(SimpleNamespace(features=root / "features", manifest=manifest, out=root / "svm", split="fold2", corpora="", descriptor="functionals", egemaps=None, telephone_copies=True, speaker_norm=False, test_speaker_utterances=0))
            result = json.loads((root / "svm" / "result.json").read_text())
        self.assertEqual(result["config"]["features"], 385)
        self.assertGreater(result["wideband"]["ua"], 0.9, "separable synthetic classes")
        self.assertEqual(len(result["telephone"]["predictions"]), 2 * 4 * 3)

    def test_svm_with_speaker_normalisation_standardises_each_speaker(self):
        from ser_training.baseline_svm import run as run_svm, standardisation, utterance_features

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            manifest = synthetic_corpus(root)
            store = FeatureStore(root / "features")
            x = np.stack([utterance_features(store.get(u, "telephone")) for u in read_manifest(manifest) if u.speaker == "b-3"])
            z = (x - standardisation(list(x))[0]) / standardisation(list(x))[1]
            np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-6)
            results = {}
            for heard in (0, 4):
                run_svm(SimpleNamespace(features=root / "features", manifest=manifest, out=root / f"svm{heard}", split="fold2", corpora="", descriptor="functionals", egemaps=None,
                                        telephone_copies=True, speaker_norm=True, test_speaker_utterances=heard))  # fmt: skip
                results[heard] = json.loads((root / f"svm{heard}" / "result.json").read_text())
        self.assertEqual([r["config"]["test_speaker_utterances"] for r in results.values()], [0, 4])
        self.assertTrue(all(r["config"]["speaker_norm"] for r in results.values()))
        self.assertGreater(results[0]["wideband"]["ua"], 0.9, "separable synthetic classes")
        self.assertEqual(len(results[4]["wideband"]["predictions"]), 2 * 4 * 3)

    def test_auxiliary_task_learns_every_emotion_and_exports_without_it(self):
        import onnx

        from ser_training.checkpoint import load_checkpoint
        from ser_training.export import export_onnx

        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            args = dict(features=root / "features", manifest=synthetic_corpus(root), out=root / "aux", split="fold2",
                        threads=1, device="cpu", epochs=3, batch_size=8, lr=3e-3, max_frames=100, encoder="alexnet",
                        norm="batch", seed=5, aux_weight=0.5, stop_after=0)  # fmt: skip
            train(SimpleNamespace(**args))
            result = json.loads((root / "aux" / "result.json").read_text())
            model, _ = load_checkpoint(root / "aux" / "best.pt")
            graph = onnx.load(str(export_onnx(model, root / "aux.onnx", "aux"))).graph
        self.assertEqual(model.config.aux_labels, ("angry", "calm", "happy", "neutral", "sad"), "calm is learnt by the auxiliary head")
        self.assertEqual(result["wideband"]["n"], 2 * 4 * 3, "tested on the four classes only")
        self.assertEqual([o.name for o in graph.output], ["probabilities", "attention", "attention_lengths"])
        self.assertFalse([i.name for i in graph.initializer if "aux" in i.name], "the auxiliary head is not exported")

    def test_warp_stretches_time_and_moves_frequency(self):
        x = np.zeros((100, 200), dtype=np.float32)
        x[:, 50] = 1  # a tone at bin 50
        rng = np.random.default_rng(0)
        lengths, peaks = set(), set()
        for _ in range(30):
            y = warp(x, 0.1, rng)
            self.assertEqual(y.shape[1], 200)
            self.assertTrue(90 <= y.shape[0] <= 110)
            lengths.add(y.shape[0])
            peaks.add(int(y[0].argmax()))
        self.assertGreater(len(lengths), 5)
        self.assertTrue(peaks <= set(range(45, 56)) and len(peaks) > 3, peaks)

    def test_mixup_blends_inputs_and_targets_alike(self):
        rng = np.random.default_rng(1)
        arrays = [np.full((n, 200), v, np.float32) for n, v in ((50, 0.0), (40, 1.0), (60, 2.0))]
        mixed, targets = mix(arrays, [0, 1, 2], 4, 0.4, rng)
        np.testing.assert_allclose(targets.sum(1), 1, rtol=1e-6)
        for m, t in zip(mixed, targets):
            self.assertAlmostEqual(float(m[0, 0]), float(t @ np.array([0.0, 1.0, 2.0, 0.0])), places=5)
        for m, a in zip(mixed, arrays):
            self.assertLessEqual(m.shape[0], a.shape[0], "cut to the shorter of each pair")

    def test_segments_cover_the_utterance(self):
        x = np.zeros((250, 200), dtype=np.float32)
        self.assertEqual([s.shape[0] for s in segments(x, 100)], [100, 100])
        self.assertEqual([s.shape[0] for s in segments(x[:30], 100)], [100])
        self.assertEqual(len(segments(np.zeros((260, 200), np.float32), 100)), 3)


if __name__ == "__main__":
    unittest.main()
