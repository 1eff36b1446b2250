#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/.

The seeds are small valid (and a few nearly valid) files in each format, so that libFuzzer starts
from inputs that reach deep into the parsers. Deterministic: run it again and nothing changes.
Usage: tests/fuzz/make_seeds.py  (needs only Python 3; reads resources/demo-model and, when
present, ../shared/models/stories260K-hf). The seeds of bundle_import, bundle_manifest and
experiment_restore are real bundles written by the project itself:
  cmake --build build-release --target lieq_fuzz_bundle_seeds
  build-release/tests/fuzz/lieq_fuzz_bundle_seeds tests/fuzz/corpus"""

import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def jdump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --- safetensors ---------------------------------------------------------------------------------

def safetensors(tensors, metadata=None, pad=True):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blob = b""
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    text = jdump(header).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blob


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


def seeds_safetensors():
    t = "safetensors"
    put(t, "two_f32", safetensors([("a", "F32", [2, 3], f32(*range(6))), ("b", "F32", [3], f32(1, 2, 3))],
                                  {"format": "pt"}))
    put(t, "mixed_dtypes", safetensors([
        ("h", "F16", [2], b"\x00\x3c\x00\xc0"), ("bf", "BF16", [2], b"\x80\x3f\x00\x40"),
        ("d", "F64", [1], struct.pack("<d", 3.5)), ("i8", "I8", [3], b"\x01\xff\x7f"),
        ("u8", "U8", [2], b"\x00\xff"), ("i16", "I16", [1], b"\x01\x80"),
        ("i32", "I32", [1], b"\x01\x00\x00\x80"), ("i64", "I64", [1], b"\x01" + b"\x00" * 7),
        ("bool", "BOOL", [2], b"\x00\x01")]))
    put(t, "empty_header", safetensors([]))
    put(t, "zero_size", safetensors([("z", "F32", [0, 4], b""), ("s", "F32", [], f32(7))]))
    put(t, "unpadded", safetensors([("w", "F32", [1, 1], f32(1))], pad=False))
    put(t, "nan_inf", safetensors([("w", "F32", [3], f32(float("nan"), float("inf"), -float("inf")))]))
    put(t, "nested_layers", safetensors([
        ("model.layers.0.self_attn.q_proj.weight", "BF16", [2, 2], b"\x80\x3f" * 4),
        ("model.embed_tokens.weight", "BF16", [3, 2], b"\x00\x40" * 6)], {"note": "seed"}))


# --- config.json ---------------------------------------------------------------------------------

def seeds_config():
    t = "model_config"
    base = {"model_type": "llama", "vocab_size": 512, "hidden_size": 64, "intermediate_size": 172,
            "num_hidden_layers": 5, "num_attention_heads": 8, "num_key_value_heads": 4,
            "hidden_act": "silu", "max_position_embeddings": 512, "rms_norm_eps": 1e-5,
            "rope_theta": 10000.0, "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2,
            "torch_dtype": "float32"}
    put(t, "llama", jdump(base))
    put(t, "qwen2", jdump(dict(base, model_type="qwen2", hidden_size=96, num_attention_heads=6,
                               num_key_value_heads=2, eos_token_id=[2, 3], use_sliding_window=False)))
    put(t, "qwen3", jdump(dict(base, model_type="qwen3", head_dim=16, attention_bias=False, dtype="bfloat16")))
    put(t, "mistral", jdump(dict(base, model_type="mistral", sliding_window=4096)))
    put(t, "llama3_rope", jdump(dict(base, max_position_embeddings=2048.0, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192})))
    put(t, "linear_rope", jdump(dict(base, rope_scaling={"type": "linear", "factor": 2.0}, mlp_bias=True)))
    put(t, "minimal", jdump({k: base[k] for k in ("model_type", "vocab_size", "hidden_size",
                                                  "intermediate_size", "num_hidden_layers",
                                                  "num_attention_heads")}))
    for name, path in (("demo", os.path.join(ROOT, "resources/demo-model/config.json")),
                       ("stories260K", os.path.join(SHARED, "models/stories260K-hf/config.json"))):
        if os.path.exists(path):
            put(t, name, open(path, "rb").read())


# --- tokenizer.json ------------------------------------------------------------------------------

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def added(i, content, special=True, **kw):
    a = {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": not special, "special": special}
    a.update(kw)
    return a


def byte_level_tokenizer(pre, normalizer=None, merges_as_pairs=False, extra_added=()):
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    merges = []
    for a, b in (("t", "h"), ("th", "e"), (" ", "t"), (" t", "he"), ("i", "n"), (" ", "a"), ("e", "r"),
                 ("o", "n"), (" ", "w"), ("r", "e")):
        la, lb = "".join(b2u[c] for c in a.encode()), "".join(b2u[c] for c in b.encode())
        if la + lb not in vocab:
            vocab[la + lb] = len(vocab)
        merges.append([la, lb] if merges_as_pairs else la + " " + lb)
    n = len(vocab)
    adds = [added(n, "<|endoftext|>")] + [added(n + 1 + i, c, s, **kw) for i, (c, s, kw) in enumerate(extra_added)]
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": adds,
            "normalizer": normalizer, "pre_tokenizer": pre,
            "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False},
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                      "ignore_merges": False, "vocab": vocab, "merges": merges}}


QWEN2 = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
         "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")


def spm_tokenizer(metaspace=False):
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    merges = []
    for a, b in (("▁", "t"), ("h", "e"), ("▁t", "he"), ("▁", "a"), ("i", "n")):
        for p in (a, b):
            vocab.setdefault(p, len(vocab))
        vocab.setdefault(a + b, len(vocab))
        merges.append([a, b])
    tok = {"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")],
           "normalizer": {"type": "Sequence", "normalizers": [
               {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
           "pre_tokenizer": None,
           "post_processor": {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                              "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
           "decoder": {"type": "Sequence", "decoders": [
               {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
               {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
           "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                     "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                     "vocab": vocab, "merges": merges}}
    if metaspace:
        tok["normalizer"] = None
        tok["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
        tok["decoder"] = {"type": "Sequence", "decoders": [
            {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
            {"type": "ByteFallback"}, {"type": "Fuse"}]}
    return tok


def tokenizer_seed(tok, config=None):
    """Target input: byte 0 = config length / 4 (0: no tokenizer_config.json), the config padded
    with spaces to that length, then tokenizer.json."""
    if config is None:
        return b"\x00" + jdump(tok).encode()
    c = jdump(config).encode()
    c += b" " * ((4 - len(c) % 4) % 4)
    assert len(c) // 4 < 256
    return bytes([len(c) // 4]) + c + jdump(tok).encode()


def seeds_tokenizer_json():
    t = "tokenizer_json"
    gpt2 = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    put(t, "bytelevel_gpt2", tokenizer_seed(byte_level_tokenizer(gpt2)))
    put(t, "bytelevel_qwen2_nfc", tokenizer_seed(byte_level_tokenizer(
        {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
        normalizer={"type": "NFC"}, merges_as_pairs=True,
        extra_added=(("<|im_start|>", True, {}), ("[word]", False, {"lstrip": True, "rstrip": True})))))
    put(t, "spm_with_config", tokenizer_seed(spm_tokenizer(), {
        "add_bos_token": True, "add_eos_token": True, "bos_token": "<s>",
        "eos_token": {"content": "</s>", "lstrip": False}, "unk_token": "<unk>", "pad_token": None}))
    put(t, "spm_metaspace", tokenizer_seed(spm_tokenizer(metaspace=True)))
    path = os.path.join(SHARED, "models/stories260K-hf")
    if os.path.exists(path):
        put(t, "stories260K", tokenizer_seed(json.load(open(os.path.join(path, "tokenizer.json"))),
                                             json.load(open(os.path.join(path, "tokenizer_config.json")))))


def seeds_tokenizer_encode():
    t = "tokenizer_encode"
    texts = {
        "english": "The quick brown fox jumps over the lazy dog. It's 12:30, isn't it?",
        "whitespace": "  leading\tand\r\n\r\ntrailing   \n\n",
        "unicode": "Café naïve 東京 👩‍👩‍👧 Ωmega — “quotes” ½ ﬁ e\u0301",
        "special": "<|endoftext|>hello<|begin_of_text|><s>bye</s><unk>",
        "bytes": "<0x41><0xFF> ▁▁x ▁",
        "numbers": "1234567890 3.14159 -42 1e10 0x1F",
    }
    for i, (name, text) in enumerate(sorted(texts.items())):
        for k in range(3):
            put(t, "%s_%d" % (name, k), bytes([k]) + text.encode())
    put(t, "invalid_utf8_0", b"\x00ab\xff\xfe\xc3(\xe2\x82 \xf0\x9f\x98 ok \xed\xa0\x80 \xc0\xaf")
    put(t, "invalid_utf8_2", b"\x02\x80\x80 lone continuation \xf8\x88\x80\x80\x80")


# --- GGUF ----------------------------------------------------------------------------------------

def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf(kvs, tensors, version=3, alignment=32):
    """kvs: (key, type, payload bytes); tensors: (name, ne list, ggml type, data bytes)."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, typ, payload in kvs:
        out += gstr(key) + struct.pack("<I", typ) + payload
    offset = 0
    for name, ne, typ, data in tensors:
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        out += struct.pack("<IQ", typ, offset)
        offset += (len(data) + alignment - 1) // alignment * alignment
    out += b"\x00" * ((alignment - len(out) % alignment) % alignment)
    for name, ne, typ, data in tensors:
        out += data + b"\x00" * ((alignment - len(data) % alignment) % alignment)
    return out


def seeds_gguf():
    t = "gguf"
    kvs = [("general.architecture", 8, gstr("llama")),
           ("general.alignment", 4, struct.pack("<I", 32)),
           ("llama.block_count", 4, struct.pack("<I", 2)),
           ("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
           ("general.flag", 7, b"\x01"),
           ("general.i8", 1, b"\xff"), ("general.u16", 2, b"\x01\x02"), ("general.i16", 3, b"\xfe\xff"),
           ("general.i32", 5, struct.pack("<i", -5)), ("general.u64", 10, struct.pack("<Q", 1 << 40)),
           ("general.i64", 11, struct.pack("<q", -7)), ("general.f64", 12, struct.pack("<d", 0.5)),
           ("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + gstr("a") + gstr("b") + gstr("<s>")),
           ("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 3) + struct.pack("<3f", 0, -1, -2)),
           ("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, 3) + struct.pack("<3i", 1, 1, 3))]
    tensors = [("token_embd.weight", [4, 3], 0, struct.pack("<12f", *range(12))),
               ("output_norm.weight", [4], 1, b"\x00\x3c" * 4),
               ("blk.0.attn_q.weight", [32, 1], 2, b"\x00" * 18)]  # Q4_0: 18 bytes per 32
    put(t, "v3_llama", gguf(kvs, tensors))
    put(t, "v2_minimal", gguf(kvs[:1], tensors[:1], version=2))
    put(t, "no_tensors", gguf(kvs[:4], []))
    put(t, "align64", gguf([("general.alignment", 4, struct.pack("<I", 64))], tensors[:2], alignment=64))
    # One tensor of every quantized kernels type (bytes per block of values), deterministic
    # bytes with finite fp16 scales, so that tensorAsFloat's dequantizers are reached at once.
    quant = [("q4_0", 2, 32, 18), ("q8_0", 8, 32, 34), ("q2_k", 10, 256, 84), ("q3_k", 11, 256, 110),
             ("q4_k", 12, 256, 144), ("q6_k", 14, 256, 210), ("bf16", 30, 1, 2)]
    qt = []
    for i, (name, typ, block, nbytes) in enumerate(quant):
        values = max(block, 32)
        data = bytes(((j * 37 + i * 11) % 61) for j in range(values // block * nbytes))
        qt.append(("blk.%d.%s.weight" % (i, name), [values, 2], typ, data + data))
    put(t, "quant_types", gguf(kvs[:2], qt))


# --- plans and scores ----------------------------------------------------------------------------

PROJ = [("q_proj", 64, 64), ("k_proj", 32, 64), ("v_proj", 32, 64), ("o_proj", 64, 64),
        ("gate_proj", 172, 64), ("up_proj", 172, 64), ("down_proj", 64, 172)]


def layer_specs(n, with_linears=True):
    out = []
    for i in range(n):
        l = {"index": i, "score": round(0.1 + 0.07 * ((i * 5) % n), 4),
             "params": sum(r * c for _, r, c in PROJ)}
        if with_linears:
            l["linears"] = [{"name": p, "rows": r, "cols": c, "score": 0.2 + 0.01 * k} for k, (p, r, c) in enumerate(PROJ)]
        out.append(l)
    return out


def plan(n, per_projection=False, pins=None):
    layers = layer_specs(n, per_projection)
    units = []
    for l in layers:
        bits = 4 if l["index"] == 0 else 2
        if pins and l["index"] in pins:
            bits = pins[l["index"]]
        if per_projection:
            for g, projs in (("qkv", ["q_proj", "k_proj", "v_proj"]), ("o", ["o_proj"]),
                             ("gate_up", ["gate_proj", "up_proj"]), ("down", ["down_proj"])):
                params = sum(r * c for p, r, c in PROJ if p in projs)
                units.append({"layer": l["index"], "group": g, "projections": projs, "params": params,
                              "score": l["score"], "bits": bits, "pinned": bool(pins and l["index"] in pins)})
        else:
            units.append({"layer": l["index"], "group": "", "projections": [], "params": l["params"],
                          "score": l["score"], "bits": bits, "pinned": bool(pins and l["index"] in pins)})
    total = sum(u["params"] for u in units)
    return {"schema": "lieq.bitplan", "schemaVersion": 1, "method": "paper", "budget": 2.4,
            "bitSet": [2, 4], "granularity": "projection" if per_projection else "layer",
            "fuseGroups": True, "protectLowest": False,
            "pins": {str(k): v for k, v in (pins or {}).items()},
            "nominalBits": sum(u["params"] * u["bits"] for u in units) / total,
            "layers": layers, "units": units}


def seeds_plans_and_scores():
    put("plan_json", "layer_plan", json.dumps(plan(5), indent=2))
    put("plan_json", "projection_plan", json.dumps(plan(3, True)))
    put("plan_json", "pinned_plan", json.dumps(plan(4, pins={1: 16, 2: 8})))
    p = plan(2)
    del p["protectLowest"]
    put("plan_json", "old_plan", json.dumps(p))
    # scores: byte 0 bit 0 = CSV, bit 1 = per-projection allocation
    put("scores", "json_object", b"\x00" + jdump({"layers": [dict(l, layer=l.pop("index")) for l in layer_specs(6)],
                                                   "otherParams": 32768}).encode())
    put("scores", "json_array_projection", b"\x02" + jdump(layer_specs(4)).encode())
    put("scores", "json_params_only", b"\x00" + jdump([{"layer": i, "score": 1.0 / (i + 1), "params": 1000 + i}
                                                       for i in range(8)]).encode())
    rows = "\n".join("%d,%.3f,%d" % (i, 0.5 - 0.05 * i, 36864) for i in range(6))
    put("scores", "csv_basic", b"\x01layer,score,params\n" + rows.encode() + b"\n")
    put("scores", "csv_columns", b"\x01# comment\nname, Params ,score,layer\nx,100,0.3,0\ny,200,-0.1,1\nz,300,0.9,2\n")


if __name__ == "__main__":
    seeds_safetensors()
    seeds_gguf()
    seeds_config()
    seeds_tokenizer_json()
    seeds_tokenizer_encode()
    seeds_plans_and_scores()
    for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        files = os.listdir(os.path.join(HERE, "corpus", t))
        print("%-18s %d seeds" % (t, len(files)))
