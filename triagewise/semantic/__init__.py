"""The semantic backend: sentence embeddings from a model that ships inside the package
(all-MiniLM-L6-v2 as int8 ONNX, on onnxruntime and tokenizers: no torch), CPU only, no issue text
leaves the machine.

Everything that touches the model or the store lives in `embed.py`; `align.py` is pure."""
