"""int8 quantisation of an exported model (ser_training.quantize). Needs the evaluation environment (training/.venv: onnxruntime, onnx), which
run-tests.sh uses for this file."""

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ser_training.data import Utterance  # noqa: E402
from tests.test_robustness import MODEL, vowel  # noqa: E402

MISSING = [m for m in ("onnxruntime", "onnx") if importlib.util.find_spec(m) is None]
# The float model to quantise: a random-weight AlexNet + BN network exported by the training code (ser_training.parity),
# with the Python that has PyTorch (the evaluation environment has none).
TORCH_PYTHON = os.environ.get("SER_PYTHON", "/usr/bin/python3")
NO_TORCH = subprocess.run([TORCH_PYTHON, "-c", "import torch, onnx"], capture_output=True).returncode != 0


def spectrogram(x: np.ndarray) -> np.ndarray:
    from ser_training.portable_frontend import log_spectrogram

    return log_spectrogram(x).astype(np.float32)


class _Store:
    """Spectrograms of self-made vowels by utterance path (the FeatureStore interface)."""

    def __init__(self, utterances: list[Utterance]):
        self.features = {u.path: spectrogram(vowel(1.0 + 0.2 * i, 90 + 25 * i)) for i, u in enumerate(utterances)}
        self.channels: list[str] = []

    def get(self, u: Utterance, channel: str = "wideband") -> np.ndarray:
        self.channels.append(channel)
        return self.features[u.path]


def utterances(corpus: str, per_class: int) -> list[Utterance]:
    return [Utterance(f"{corpus}/{e}{i}.wav", corpus, f"{corpus}-{i}", 1, e)
            for e in ("angry", "happy", "sad", "neutral", "fear") for i in range(per_class)]  # fmt: skip


@unittest.skipIf(MISSING, f"evaluation environment missing {', '.join(MISSING)} (training/.venv, requirements-eval.txt)")
class CalibrationDrawTest(unittest.TestCase):
    def test_draws_only_the_corpora_asked_for_spread_over_the_four_classes(self):
        from ser_training.quantize import calibration_draw

        pool = utterances("a", 5) + utterances("b", 5) + utterances("held-out", 5)
        draw = calibration_draw(pool, ["a", "b"], 8)
        self.assertEqual(len(draw), 16)
        self.assertEqual({u.corpus for u in draw}, {"a", "b"})
        for corpus in ("a", "b"):
            counts = [sum(u.corpus == corpus and u.emotion == e for u in draw) for e in ("angry", "happy", "sad", "neutral")]
            self.assertEqual(counts, [2, 2, 2, 2])
        self.assertNotIn("fear", {u.emotion for u in draw})
        self.assertEqual(draw, calibration_draw(pool, ["a", "b"], 8), "a fixed draw")


@unittest.skipIf(MISSING, f"evaluation environment missing {', '.join(MISSING)} (training/.venv, requirements-eval.txt)")
@unittest.skipIf(NO_TORCH, f"{TORCH_PYTHON} lacks torch and onnx, which export the float model to quantise")
class QuantizeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import onnx

        from ser_training.quantize import quantize

        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run([TORCH_PYTHON, "-m", "ser_training.parity", cls.tmp.name, "--encoder", "alexnet", "--norm", "batch", "--lengths", "31"],
                       cwd=Path(__file__).resolve().parents[1], check=True, capture_output=True)  # fmt: skip
        cls.model = Path(cls.tmp.name) / "model.onnx"
        cls.out = Path(cls.tmp.name) / "int8.onnx"
        calibration = utterances("a", 2)[:8]
        cls.store = _Store(calibration)
        quantize(cls.model, cls.out, cls.store, calibration, ["a"])
        cls.proto = onnx.load(str(cls.out))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_convolutions_get_int8_weights_and_the_metadata_is_kept(self):
        import onnx

        ops = [n.op_type for n in self.proto.graph.node]
        self.assertGreater(ops.count("QuantizeLinear"), 0)
        conv_weights = {n.input[1] for n in self.proto.graph.node if n.op_type == "Conv"}
        dequantised = {n.output[0]: n.input[0] for n in self.proto.graph.node if n.op_type == "DequantizeLinear"}
        int8 = {i.name for i in self.proto.graph.initializer if i.data_type == onnx.TensorProto.INT8}
        self.assertTrue(conv_weights and all(dequantised.get(w) in int8 for w in conv_weights), "every Conv weight is int8")
        before = {p.key: p.value for p in onnx.load(str(self.model)).metadata_props}
        after = {p.key: p.value for p in self.proto.metadata_props}
        self.assertEqual(after.pop("model_id"), before.pop("model_id") + "-int8")
        self.assertEqual({k: after.get(k) for k in before}, before)
        self.assertIn("8 utterances of a", after["quantization"])
        self.assertEqual(set(self.store.channels), {"wideband", "telephone"})

    def test_answers_as_the_float_model_does_on_unseen_input(self):
        import onnxruntime as ort

        run = lambda path, x: ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(  # noqa: E731
            None, {"features": x[None], "lengths": np.array([x.shape[0]], dtype=np.int64)})  # fmt: skip
        x = spectrogram(vowel(2.5, 210) + 0.01 * np.random.default_rng(1).standard_normal(40000).astype(np.float32))
        (p_float, a_float, _), (p_int8, a_int8, _) = run(self.model, x), run(self.out, x)
        self.assertAlmostEqual(float(p_int8.sum()), 1.0, places=5)
        self.assertGreater(float(p_float.max() - p_float.min()), 0.05, "a float answer that is not flat, to compare with")
        self.assertLess(float(np.abs(p_int8 - p_float).max()), 0.01)
        self.assertGreater(float(np.corrcoef(a_float.ravel(), a_int8.ravel())[0, 1]), 0.9, "the same attention map")

    def test_a_quantised_model_is_not_quantised_again(self):
        from ser_training.quantize import quantize

        with self.assertRaisesRegex(SystemExit, "already quantised"):
            quantize(self.out, Path(self.tmp.name) / "twice.onnx", self.store, [], ["a"])
        with self.assertRaisesRegex(SystemExit, "already quantised"):
            quantize(MODEL, Path(self.tmp.name) / "twice.onnx", self.store, [], ["a"])


if __name__ == "__main__":
    unittest.main()
