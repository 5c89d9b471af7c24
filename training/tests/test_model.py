"""Model definition tests: masking, lengths, pretrained weights, export metadata."""

import json
import math
import sys
import tempfile
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ser_training.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from ser_training.encoders import alexnet_convs  # noqa: E402
from ser_training.layers import MaskedBatchNorm, zero_padding  # noqa: E402
from ser_training.model import AttentionFCN, ModelConfig  # noqa: E402
from ser_training.pretrained import load_squeezenet1_1_imagenet, load_torchvision_alexnet  # noqa: E402

SQUEEZENET_WEIGHTS = Path(__file__).resolve().parents[3] / "shared" / "weights" / "squeezenet1_1_imagenet"
ENCODERS = ("alexnet", "squeezenet1_1")
VARIANTS = (("alexnet", "lrn"), ("alexnet", "batch"), ("squeezenet1_1", "lrn"), ("squeezenet1_1", "batch"))


def model(encoder="alexnet", **kwargs) -> AttentionFCN:
    torch.manual_seed(0)
    return AttentionFCN(ModelConfig(encoder=encoder, **kwargs)).eval()


class MaskingTest(unittest.TestCase):
    def test_padded_batch_gives_each_utterance_its_own_output(self):
        for encoder, norm in VARIANTS:
            m = model(encoder, norm=norm)
            lengths = [400, 250, 97, m.min_frames()]
            x = torch.randn(len(lengths), max(lengths), 200) * 3 - 8
            with torch.no_grad():
                logits, alpha, widths = m(x, torch.tensor(lengths))
                for i, n in enumerate(lengths):
                    alone_logits, alone_alpha, alone_width = m(x[i : i + 1, :n], torch.tensor([n]))
                    w = int(alone_width[0])
                    self.assertEqual(int(widths[i]), w)
                    torch.testing.assert_close(logits[i], alone_logits[0], atol=1e-5, rtol=1e-5)
                    torch.testing.assert_close(alpha[i, :, :w], alone_alpha[0], atol=1e-6, rtol=1e-5)
                    self.assertEqual(float(alpha[i, :, w:].abs().sum()), 0.0, "no attention on padding")

    def test_level_normalisation_makes_the_output_independent_of_gain(self):
        x = torch.randn(3, 150, 200) * 3 - 8
        lengths = torch.tensor([150, 90, 40])
        gains = (0.0, 2 * math.log(10 ** (-20 / 20)), 2 * math.log(10 ** (6 / 20)))  # 0, -20 and +6 dB
        with torch.no_grad():
            for level_norm in (True, False):
                m = model(norm="batch", level_norm=level_norm)
                outputs = [m(x + g, lengths)[0] for g in gains]
                same = all(torch.allclose(o, outputs[0], atol=1e-4, rtol=1e-4) for o in outputs[1:])
                self.assertEqual(same, level_norm, f"level_norm={level_norm}")
            m = model(norm="batch", level_norm=True)
            logits, _, _ = m(torch.cat([x[1:2, :90], torch.full((1, 60, 200), 30.0)], dim=1), torch.tensor([150]).clamp(max=90))
            torch.testing.assert_close(logits[0], m(x[1:2, :90], torch.tensor([90]))[0][0], atol=1e-5, rtol=1e-5, msg="padding is not part of the level")

    def test_batch_norm_statistics_ignore_padding(self):
        x = torch.randn(2, 120, 200)
        padded = torch.cat([x, torch.full((2, 80, 200), 50.0)], dim=1)  # junk past the lengths
        a, b = model(norm="batch").train(), model(norm="batch").train()
        a(x, torch.tensor([120, 120]))
        b(padded, torch.tensor([120, 120]))
        bn_a = [m for m in a.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        bn_b = [m for m in b.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        self.assertEqual(len(bn_a), 5)
        for p, q in zip(bn_a, bn_b):
            torch.testing.assert_close(p.running_mean, q.running_mean)
            torch.testing.assert_close(p.running_var, q.running_var)

    def test_batch_norm_training_output_matches_torch_on_unpadded_input(self):
        torch.manual_seed(1)
        x = torch.randn(3, 8, 5, 40) * 4 + 2
        ours, theirs = MaskedBatchNorm(8).train(), torch.nn.BatchNorm2d(8).train()
        with torch.no_grad():
            ours.weight.uniform_(0.5, 2), ours.bias.uniform_(-1, 1)
        theirs.load_state_dict(ours.state_dict())
        y, _ = ours(x, torch.tensor([40, 40, 40]))
        torch.testing.assert_close(y, theirs(x), atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(ours.running_var, theirs.running_var)
        y, _ = ours(x, torch.tensor([40, 25, 10]))
        self.assertEqual(float(y[1, :, :, 25:].abs().sum() + y[2, :, :, 10:].abs().sum()), 0.0, "zero past each length")

    def test_attention_is_a_distribution_over_cells(self):
        m = model()
        with torch.no_grad():
            _, alpha, widths = m(torch.randn(2, 300, 200), torch.tensor([300, 150]))
        torch.testing.assert_close(alpha.sum(dim=(1, 2)), torch.ones(2))
        self.assertEqual(tuple(alpha.shape[:2]), (2, 11))

    def test_statistics_pooling(self):
        m = model(norm="batch", pooling="attention_stats")
        x = torch.randn(2, 300, 200) * 3 - 8
        one, n = x[1:, :120], torch.tensor([120])
        with torch.no_grad():
            logits, _, _ = m(x, torch.tensor([300, 120]))
            alone, _, _ = m(one, n)
            pooled, _, _ = m.pool(one, n)
            a, widths = m.encoder(zero_padding(((one - m.feature_mean) / m.feature_std).transpose(1, 2).unsqueeze(1), n), n)
            c, alpha = m.attention(a, widths)
        torch.testing.assert_close(logits[1], alone[0], atol=1e-5, rtol=1e-5)
        spread = torch.einsum("bft,bcft->bc", alpha, (a - c[:, :, None, None]) ** 2).clamp(min=1e-6).sqrt()  # dead channels: the floor
        torch.testing.assert_close(pooled, torch.cat([c, spread], dim=1), atol=1e-4, rtol=1e-3)
        with self.assertRaisesRegex(ValueError, "unknown pooling 'max'"):
            model(pooling="max")

    def test_lambda_zero_is_uniform_pooling(self):
        m = model(attention_lambda=0.0)
        with torch.no_grad():
            _, alpha, widths = m(torch.randn(1, 200, 200), torch.tensor([200]))
        cells = alpha.shape[1] * int(widths[0])
        torch.testing.assert_close(alpha, torch.full_like(alpha, 1 / cells))

    def test_minimum_length(self):
        for encoder in ENCODERS:
            m = model(encoder)
            n = m.min_frames()
            self.assertEqual(n, 31, encoder)
            with torch.no_grad():
                _, alpha, widths = m(torch.randn(1, n, 200), torch.tensor([n]))
            self.assertEqual(int(widths[0]), 1)
            with self.assertRaises(RuntimeError):
                m(torch.randn(1, n - 1, 200), torch.tensor([n - 1]))

    def test_time_geometry_matches_the_layers(self):
        # AlexNet: cell j is centred on frame 15 + 16 j (conv 11/4 pad 2, pool 3/2, conv 5 pad 2, pool 3/2, convs 3).
        g = model().encoder.geometry()
        self.assertEqual((g.stride, g.offset, g.receptive_field), (16, 15.0, 163))

    def test_random_initialisation_keeps_the_input_variation(self):
        # Cells of a randomly initialised encoder must still differ with the input, or attention has nothing to weigh.
        x, lengths = torch.randn(2, 1, 200, 300), torch.tensor([300, 300])
        with torch.no_grad():
            cells, _ = model("squeezenet1_1").encoder(x, lengths)
        self.assertGreater(float(cells.std(dim=(2, 3)).mean()), 0.1)

    def test_unknown_encoder(self):
        with self.assertRaisesRegex(ValueError, "unknown encoder 'vgg'"):
            AttentionFCN(ModelConfig(encoder="vgg"))


class PretrainedTest(unittest.TestCase):
    def test_torchvision_alexnet_state_dict(self):
        shapes = {0: (64, 3, 11, 11), 3: (192, 64, 5, 5), 6: (384, 192, 3, 3), 8: (256, 384, 3, 3), 10: (256, 256, 3, 3)}
        state = {}
        for i, shape in shapes.items():
            state[f"features.{i}.weight"] = torch.randn(shape)
            state[f"features.{i}.bias"] = torch.randn(shape[0])
        state["classifier.1.weight"] = torch.randn(4096, 9216)  # ignored: no fully connected layers
        m = model()
        load_torchvision_alexnet(m, state)
        torch.testing.assert_close(m.encoder[0].layer.weight, state["features.0.weight"].sum(1, keepdim=True))
        torch.testing.assert_close(alexnet_convs(m.encoder)[4].weight, state["features.10.weight"])
        with tempfile.TemporaryDirectory() as d:
            torch.save(state, Path(d) / "alexnet.pth")
            load_torchvision_alexnet(model(), Path(d) / "alexnet.pth")
        state["features.3.weight"] = torch.randn(100, 64, 5, 5)
        with self.assertRaisesRegex(ValueError, "features.3.weight"):
            load_torchvision_alexnet(model(), state)

    @unittest.skipUnless(SQUEEZENET_WEIGHTS.exists(), f"no weights at {SQUEEZENET_WEIGHTS}")
    def test_squeezenet_imagenet_weights(self):
        m = model("squeezenet1_1")
        before = m.encoder[12].expand3x3.weight.clone()
        load_squeezenet1_1_imagenet(m, SQUEEZENET_WEIGHTS)
        self.assertFalse(torch.equal(before, m.encoder[12].expand3x3.weight))
        # With batch normalisation the same weights land in the same convolutions, BN layers between them.
        with_bn = model("squeezenet1_1", norm="batch")
        load_squeezenet1_1_imagenet(with_bn, SQUEEZENET_WEIGHTS)
        convs = lambda net: [c for c in net.encoder.modules() if isinstance(c, torch.nn.Conv2d)]  # noqa: E731
        for plain, normed in zip(convs(m), convs(with_bn), strict=True):
            torch.testing.assert_close(plain.weight, normed.weight)
        self.assertEqual(sum(isinstance(b, torch.nn.BatchNorm2d) for b in with_bn.encoder.modules()), 1 + 3 * 7 + 2)
        self.assertEqual(tuple(m.encoder[0].layer.weight.shape), (64, 1, 3, 3))
        # ImageNet filters respond to structure: a vertical edge excites conv1 differently from a flat image.
        flat = torch.zeros(1, 1, 9, 9)
        edge = torch.zeros(1, 1, 9, 9)
        edge[..., 4:] = 1.0
        conv1 = m.encoder[0].layer
        self.assertGreater(float((conv1(edge) - conv1(flat)).abs().max()), 0.1)
        with self.assertRaisesRegex(ValueError, "squeezenet1_1 encoder"):
            load_squeezenet1_1_imagenet(model("alexnet"), SQUEEZENET_WEIGHTS)


class ExportTest(unittest.TestCase):
    def test_checkpoint_round_trip_and_export_metadata(self):
        import onnx

        from ser_training.export import export_onnx

        m = model("squeezenet1_1", attention_lambda=1.0)
        with tempfile.TemporaryDirectory() as d:
            save_checkpoint(Path(d) / "m.pt", m, epoch=3)
            loaded, info = load_checkpoint(Path(d) / "m.pt")
            self.assertEqual(info["epoch"], 3)
            self.assertEqual(loaded.config, m.config)
            out = export_onnx(loaded, Path(d) / "m.onnx", "test-model", extra={"cv_ua": 0.5})
            props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
        self.assertEqual(json.loads(props["labels"]), ["angry", "happy", "sad", "neutral"])
        self.assertEqual(props["encoder"], "squeezenet1_1")
        self.assertEqual(float(props["attention_lambda"]), 1.0)
        self.assertEqual(int(props["min_frames"]), 31)
        self.assertEqual(json.loads(props["feature_params"])["dft_size"], 800)
        self.assertEqual(props["cv_ua"], "0.5")
        self.assertEqual(props["model_id"], "test-model")
        self.assertTrue(math.isfinite(float(props["time_offset"])))

    def test_ensemble_averages_its_members(self):
        from ser_training.export import Exported, check_ensemble, export_onnx

        members = []
        for seed in (1, 2):
            torch.manual_seed(seed)
            members.append(AttentionFCN(ModelConfig(encoder="alexnet", norm="batch")).eval())
        x, lengths = torch.randn(2, 120, 200), torch.tensor([120, 80])
        with torch.no_grad():
            p, alpha, out_lengths = Exported(members)(x, lengths)
            singles = [m(x, lengths) for m in members]
        torch.testing.assert_close(p, (torch.softmax(singles[0][0], 1) + torch.softmax(singles[1][0], 1)) / 2)
        torch.testing.assert_close(alpha, (singles[0][1] + singles[1][1]) / 2)
        torch.testing.assert_close(alpha.sum((1, 2)), torch.ones(2))
        self.assertTrue(torch.equal(out_lengths, singles[0][2]))
        with self.assertRaisesRegex(ValueError, "share labels, attention lambda"):
            check_ensemble([members[0], model("alexnet", attention_lambda=1.0)])
        with tempfile.TemporaryDirectory() as d:
            import onnx

            props = {p.key: p.value for p in onnx.load(str(export_onnx(members, Path(d) / "e.onnx", "ensemble"))).metadata_props}
        self.assertEqual(props["ensemble_size"], "2")

    def test_ensemble_of_different_encoders(self):
        import onnx

        from ser_training.export import Exported, export_onnx
        from ser_training.members import members_from_onnx

        members = [model("alexnet", norm="batch"), model("squeezenet1_1", norm="batch", pooling="attention_stats"), model("alexnet", norm="batch", level_norm=True)]
        for m in members:  # trained statistics, so that batch normalisation folded into a convolution changes it
            for bn in (x for x in m.modules() if isinstance(x, torch.nn.BatchNorm2d)):
                bn.running_mean.normal_(0, 0.1)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.data.uniform_(0.5, 1.5)
        with tempfile.TemporaryDirectory() as d:
            out = export_onnx(members, Path(d) / "e.onnx", "mixed")
            props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
            recovered = members_from_onnx(out)
        x, lengths = torch.randn(2, 120, 200), torch.tensor([120, 80])
        with torch.no_grad():
            expected, recovered_out = Exported(members)(x, lengths), Exported([m for m, _ in recovered])(x, lengths)
        for a, b in zip(expected, recovered_out):
            torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-4)
        self.assertEqual(props["encoder"], "alexnet+squeezenet1_1+alexnet")
        self.assertEqual(int(props["receptive_field"]), max(m.encoder.geometry().receptive_field for m in members))
        self.assertEqual([m.config.encoder for m, _ in recovered], ["alexnet", "squeezenet1_1", "alexnet"])
        self.assertEqual(props["norm"], "batch")
        self.assertEqual([m.config.pooling for m, _ in recovered], ["attention", "attention_stats", "attention"])
        self.assertEqual(props["level_norm"], "false+false+true")
        self.assertEqual([m.config.level_norm for m, _ in recovered], [False, False, True])

    def test_members_recovered_from_an_exported_ensemble(self):
        from ser_training.export import Exported, export_onnx
        from ser_training.members import MemberRecoveryError, members_from_onnx

        members = []
        for seed in (1, 2):
            torch.manual_seed(seed)
            m = AttentionFCN(ModelConfig(encoder="alexnet", norm="batch")).eval()
            m.feature_mean.normal_()  # equal in both members: the exporter stores it once
            for bn in (m.encoder[1], m.encoder[5]):
                bn.running_mean.normal_()
                bn.running_var.uniform_(0.5, 2.0)
            members.append(m)
        members[1].feature_mean.copy_(members[0].feature_mean)
        with tempfile.TemporaryDirectory() as d:
            out = export_onnx(members, Path(d) / "e.onnx", "ensemble", fp16_weights=True)
            recovered = members_from_onnx(out)
            import onnx

            proto = onnx.load(str(out))
            (bias,) = [i for i in proto.graph.initializer if i.name == "members.1.classifier.bias"]
            proto.graph.initializer.remove(bias)
            onnx.save(proto, str(Path(d) / "broken.onnx"))
            with self.assertRaisesRegex(MemberRecoveryError, "member 1 has no tensor for classifier.bias"):
                members_from_onnx(Path(d) / "broken.onnx")
            proto = onnx.load(str(out))
            proto.metadata_props.append(onnx.StringStringEntryProto(key="quantization", value="int8 static"))
            onnx.save(proto, str(Path(d) / "int8.onnx"))
            with self.assertRaisesRegex(MemberRecoveryError, "is quantised .int8 static.: recover the members from its float source"):
                members_from_onnx(Path(d) / "int8.onnx")
        self.assertEqual(len(recovered), 2)
        for original, (model, _) in zip(members, recovered):
            self.assertEqual(model.config, original.config)
            for key, value in original.state_dict().items():
                if key.endswith("num_batches_tracked"):
                    continue
                # Weights of 1024 values or more were stored as float16 and come back rounded so.
                expected = value.half().float() if value.numel() >= 1024 else value
                self.assertTrue(torch.equal(model.state_dict()[key], expected), key)
        x, lengths = torch.randn(2, 120, 200), torch.tensor([120, 80])
        with torch.no_grad():
            p, alpha, _ = Exported(members)(x, lengths)
            p2, alpha2, _ = Exported([m for m, _ in recovered])(x, lengths)
        torch.testing.assert_close(p2, p, atol=2e-3, rtol=0)
        torch.testing.assert_close(alpha2, alpha, atol=2e-3, rtol=0)


if __name__ == "__main__":
    unittest.main()
