"""Training side of the speech emotion recognition plugin: the attention-based FCN, its training and ONNX export."""
