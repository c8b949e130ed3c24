"""ONNX Runtime reference for memflow's local embedder: embeds texts with an ONNX model file and its
tokenizer.json, straight through onnxruntime (no memflow code), and prints one JSON object.

Input: JSON Lines on stdin or --texts FILE, one string per line (or an object with a "text" field).
The vectors are the mean of the token states over the attention mask, L2-normalized: what
adapters/embed/local-embedder.ts computes. Timed: tokenizing and every forward pass (not loading).

    python onnx_embed.py --model M.onnx --tokenizer tokenizer.json --texts chunks.jsonl \
        --threads 2 --batch-size 32 --sort-by-length --max-tokens 256 [--output-name last_hidden_state] \
        [--no-spinning] [--optimization all|extended|basic|disable] [--vectors out.f32]
"""

import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

OPT_LEVELS = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="ONNX model file")
    p.add_argument("--tokenizer", required=True, help="the model's tokenizer.json")
    p.add_argument("--texts", help="JSON Lines file of texts (default: stdin)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="intra-op threads")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--sort-by-length", action="store_true", help="batch texts of similar token length together")
    p.add_argument("--max-tokens", type=int, default=256, help="truncate to this many tokens, special ones included")
    p.add_argument("--output-name", help="the per-token output (default: the model's first output)")
    p.add_argument(
        "--no-spinning",
        action="store_true",
        help="intra-op threads sleep between parallel sections instead of spinning (memflow's setting)",
    )
    p.add_argument("--optimization", choices=sorted(OPT_LEVELS), default="all", help="graph optimization level")
    p.add_argument("--warmup", type=int, default=1, help="untimed batches first")
    p.add_argument("--vectors", help="write the vectors here (float32, row-major, in input order)")
    return p.parse_args()


def read_texts(path):
    stream = open(path, encoding="utf-8") if path else sys.stdin
    texts = []
    with stream:
        for line in stream:
            if line.strip():
                item = json.loads(line)
                texts.append(item["text"] if isinstance(item, dict) else item)
    return texts


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    args = parse_args()
    texts = read_texts(args.texts)
    if not texts:
        sys.exit("no texts")

    tokenizer = Tokenizer.from_file(args.tokenizer)
    tokenizer.enable_truncation(max_length=args.max_tokens)
    tokenizer.no_padding()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = OPT_LEVELS[args.optimization]
    if args.no_spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    input_names = {i.name for i in session.get_inputs()}
    output_name = args.output_name or session.get_outputs()[0].name
    dim = None

    def embed(batch):
        lengths = [len(e.ids) for e in batch]
        width = max(lengths)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, e in enumerate(batch):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        states = session.run([output_name], feeds)[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.where(norms == 0, 1, norms), sum(lengths), len(batch) * width

    # Warm-up on the first texts (untimed), as memflow's embedder is warm when it is measured.
    warm = tokenizer.encode_batch(texts[: args.batch_size], add_special_tokens=True)
    for _ in range(args.warmup):
        embed(warm)

    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    encodings = tokenizer.encode_batch(texts, add_special_tokens=True)
    order = list(range(len(texts)))
    if args.sort_by_length:
        order.sort(key=lambda i: len(encodings[i].ids))
    vectors = None
    tokens = padded = 0
    for start in range(0, len(order), args.batch_size):
        rows = order[start : start + args.batch_size]
        out, real, total = embed([encodings[i] for i in rows])
        if vectors is None:
            dim = out.shape[1]
            vectors = np.zeros((len(texts), dim), dtype=np.float32)
        vectors[rows] = out
        tokens += real
        padded += total
    seconds = time.perf_counter() - wall0
    cpu = cpu_seconds() - cpu0

    if args.vectors:
        vectors.tofile(args.vectors)
    print(
        json.dumps(
            {
                "texts": len(texts),
                "seconds": round(seconds, 3),
                "chunksPerSecond": round(len(texts) / seconds, 2),
                "cpuMsPerChunk": round(cpu * 1000 / len(texts), 1),
                "tokens": tokens,
                "paddedTokens": padded,
                "dim": dim,
                "threads": args.threads,
                "batchSize": args.batch_size,
                "sortByLength": args.sort_by_length,
                "optimization": args.optimization,
                "spinning": not args.no_spinning,
                "onnxruntime": ort.__version__,
                # The whole process, loading included: what the benchmark's CPU meter adds as its own.
                "processCpuSeconds": round(cpu_seconds(), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
