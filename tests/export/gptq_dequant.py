#!/usr/bin/python3
"""Independent GPTQ dequantizer, written from the format description (AutoGPTQ / GPTQModel):

  qweight int32 [in/32*bits, out]: the codes of output column n as one little-endian bit stream
                                   per block of `bits` words (32 inputs), `bits` bits per code
  qzeros  int32 [groups, out*bits/32]: zero points as one bit stream per group row; checkpoint
                                   format "gptq" (v1) stores zero - 1, "gptq_v2" the zero itself
  scales  fp16  [groups, out]      g_idx int32 [in]: the group of each input
  W[n, k] = scales[g_idx[k], n] * (q[k, n] - zero[g_idx[k], n])

It also resolves each module's bit-width the way vLLM and GPTQModel do: quantization_config
bits, overridden by the first `dynamic` pattern that re.match()es the module name ("-:" means
not quantized), for the Hugging Face name and for vLLM's fused name (qkv_proj, gate_up_proj).

usage: gptq_dequant.py GPTQ_DIR REFERENCE_DIR OUT.json
REFERENCE_DIR holds <module>.f32 files (float32, [out, in] row-major) to compare against.
Needs only python3 and numpy (Debian: python3-numpy).
"""
import json
import os
import re
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    dtypes = {"I32": np.int32, "F16": np.float16, "F32": np.float32, "BF16": None, "U8": np.uint8}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dt = dtypes[info["dtype"]]
        if dt is None:
            continue
        out[name] = np.frombuffer(data[base + begin:base + end], dtype=dt).reshape(info["shape"])
    return out


def load_tensors(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    tensors = {}
    for f in files:
        tensors.update(read_safetensors(os.path.join(folder, f)))
    return tensors, len(files)


def unpack_stream(words, bits, count):
    """words: uint32 [blocks*bits, cols] -> values [blocks*32, cols] from per-block bit streams."""
    words = words.astype(np.uint64)
    blocks = words.shape[0] // bits
    out = np.zeros((blocks * 32, words.shape[1]), dtype=np.int64)
    for b in range(blocks):
        stream = np.zeros(words.shape[1], dtype=object)
        for w in range(bits):
            stream = stream | (words[b * bits + w].astype(object) << (32 * w))
        for j in range(32):
            out[b * 32 + j] = np.array([(int(s) >> (j * bits)) & ((1 << bits) - 1) for s in stream], dtype=np.int64)
    return out[:count]


def config_bits(qc, name):
    for pattern, override in (qc.get("dynamic") or {}).items():
        if pattern.startswith("-:"):
            if re.match(pattern[2:], name):
                return 16
        elif re.match(pattern[2:] if pattern.startswith("+:") else pattern, name):
            return override.get("bits", qc["bits"])
    return qc["bits"]


def fused_name(stem):
    for members, fused in ((("q_proj", "k_proj", "v_proj"), "qkv_proj"), (("gate_proj", "up_proj"), "gate_up_proj")):
        for m in members:
            if stem.endswith("." + m):
                return stem[: -len(m)] + fused
    return stem


def main():
    folder, ref, out_path = sys.argv[1:4]
    qc = json.load(open(os.path.join(folder, "config.json")))["quantization_config"]
    v2 = qc.get("checkpoint_format", "gptq") == "gptq_v2"
    tensors, shards = load_tensors(folder)
    report = {"shards": shards, "modules": {}}
    for name in sorted(tensors):
        if not name.endswith(".qweight"):
            continue
        stem = name[: -len(".qweight")]
        qweight = tensors[name].view(np.uint32)
        g_idx = tensors[stem + ".g_idx"].astype(np.int64)
        scales = tensors[stem + ".scales"].astype(np.float32)
        qzeros = tensors[stem + ".qzeros"].view(np.uint32)
        cols, rows = g_idx.shape[0], qweight.shape[1]
        bits = qweight.shape[0] // ((cols + 31) // 32)
        q = unpack_stream(qweight, bits, cols)                       # [in, out]
        zwords = qzeros.T                                             # bit stream along outputs
        z = unpack_stream(zwords, bits, rows).T                       # [groups, out]
        if not v2:
            z = z + 1  # v1 stores zero - 1 (AutoGPTQ adds one back, no modulo)
        w = scales[g_idx, :] * (q.astype(np.float32) - z[g_idx, :].astype(np.float32))
        w = w.T                                                       # [out, in]
        entry = {"bits": int(bits), "config_bits": config_bits(qc, stem),
                 "fused_config_bits": config_bits(qc, fused_name(stem))}
        ref_path = os.path.join(ref, stem + ".f32")
        if os.path.exists(ref_path):
            expected = np.fromfile(ref_path, dtype=np.float32).reshape(rows, cols)
            diff = np.abs(w.astype(np.float64) - expected.astype(np.float64))
            entry["max_abs"] = float(diff.max())
            entry["mismatches"] = int(np.count_nonzero(w != expected))
        report["modules"][stem] = entry
    json.dump(report, open(out_path, "w"), indent=1)


if __name__ == "__main__":
    main()
