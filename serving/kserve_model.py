"""The shipped emotion network served by KServe's own model server (Open Inference Protocol v2, REST and gRPC).

    serving/.venv/bin/python serving/kserve_model.py --model models/ser-default.onnx --http_port 8080 --grpc_port 8081

The model is served as `ser` with the tensors KServeBackend sends and reads: inputs `features` FP32 [B, T, 200] and
`lengths` INT64 [B]; outputs `probabilities` FP32 [B, 4], `attention` FP32 [B, F', T'] and `attention_lengths`
INT64 [B]. Outputs come back in the form the request asks for: JSON, or raw bytes after the JSON header when a REST
request sets `binary_data_output` (the binary tensor extension), as gRPC raw contents when gRPC inputs are raw.
"""

import argparse

import kserve
import numpy as np
import onnxruntime
from kserve import InferOutput, InferRequest, InferResponse
from kserve.errors import InvalidInput

OUTPUTS = ("probabilities", "attention", "attention_lengths")


class EmotionModel(kserve.Model):
    def __init__(self, name: str, path: str, threads: int):
        super().__init__(name)
        self.path = path
        self.threads = threads
        self.session: onnxruntime.InferenceSession | None = None

    def load(self) -> bool:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(self.path, options, providers=["CPUExecutionProvider"])
        self.ready = True
        return self.ready

    async def predict(self, payload: InferRequest, headers=None, response_headers=None) -> InferResponse:
        features = payload.get_input_by_name("features")
        lengths = payload.get_input_by_name("lengths")
        if features is None or lengths is None:
            raise InvalidInput("the request needs the inputs 'features' (FP32 [B, T, 200]) and 'lengths' (INT64 [B])")
        x = features.as_numpy().astype(np.float32, copy=False)
        n = lengths.as_numpy().astype(np.int64, copy=False)
        if x.ndim != 3 or n.shape != (x.shape[0],):
            raise InvalidInput(f"features {list(x.shape)} and lengths {list(n.shape)} do not describe one batch")
        results = self.session.run(list(OUTPUTS), {"features": x, "lengths": n})
        binary = payload.use_binary_outputs
        outputs = []
        for name, value in zip(OUTPUTS, results):
            output = InferOutput(name=name, shape=list(value.shape), datatype="FP32" if value.dtype == np.float32 else "INT64")
            output.set_data_from_numpy(value, binary_data=binary)
            outputs.append(output)
        return InferResponse(
            response_id=payload.id or "",
            model_name=self.name,
            infer_outputs=outputs,
            use_binary_outputs=binary,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(parents=[kserve.model_server.parser])
    parser.add_argument("--model", required=True, help="the ONNX file to serve")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads per inference")
    args, _ = parser.parse_known_args()
    model = EmotionModel(args.model_name if args.model_name != "model" else "ser", args.model, args.threads)
    model.load()
    kserve.ModelServer().start([model])
