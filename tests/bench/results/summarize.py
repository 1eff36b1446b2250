#!/usr/bin/env python3
"""Summarise the raw outputs of run_results.sh (DIR/<model>/*.json) into DIR/results.json and
DIR/results.md: one table per model with perplexity, zero-shot accuracy, the average and the
share of the FP16 average recovered, plus the layer scores the plans came from."""
import argparse
import json
import os
import sys

TASKS = [("piqa", "PIQA", "acc"), ("arc_easy", "ARC-e", "acc"),
         ("arc_challenge", "ARC-c", "acc_norm"), ("hellaswag", "HellaSwag", "acc_norm"),
         ("winogrande", "WinoGrande", "acc"), ("boolq", "BoolQ", "acc")]
ROWS = [("fp16", "FP16", "-"),
        ("uniform4-rtn", "uniform 4-bit", "RTN"), ("uniform4-gptq", "uniform 4-bit", "GPTQ"),
        ("uniform4-awq", "uniform 4-bit", "AWQ"),
        ("uniform2-rtn", "uniform 2-bit", "RTN"), ("uniform2-gptq", "uniform 2-bit", "GPTQ"),
        ("lieq-rtn", "LieQ (top dr)", "RTN"), ("lieq-gptq", "LieQ (top dr)", "GPTQ"),
        ("lieq-awq", "LieQ (top dr)", "AWQ"),
        ("lowest-rtn", "lowest dr protected", "RTN"), ("lowest-gptq", "lowest dr protected", "GPTQ"),
        ("lowest-awq", "lowest dr protected", "AWQ"),
        ("oracle-rtn", "oracle (top dPPL)", "RTN"), ("oracle-gptq", "oracle (top dPPL)", "GPTQ"),
        ("oracle-awq", "oracle (top dPPL)", "AWQ"),
        ("de-gptq", "top dE", "GPTQ"),
        ("measured-gptq", "measured gains (knapsack)", "GPTQ"),
        ("rule-llama-cpp-gptq", "llama.cpp rule", "GPTQ"),
        ("rule-first-gptq", "first layers", "GPTQ"), ("rule-last-gptq", "last layers", "GPTQ"),
        ("random1-gptq", "random (seed 1)", "GPTQ"), ("random2-gptq", "random (seed 2)", "GPTQ"),
        ("random3-gptq", "random (seed 3)", "GPTQ")]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def task_scores(doc):
    tasks = doc.get("tasks", {})
    if isinstance(tasks, list):  # lieq quantize --json
        tasks = {t["task"]: t for t in tasks}
    out = {}
    for key, _, metric in TASKS:
        if key in tasks:
            out[key] = {"value": tasks[key][metric], "metric": metric, "n": tasks[key]["n"]}
    return out


def kl_fields(doc):
    """KL against FP16 from `lieq ppl --kl-reference` ({"kl": {"mean_kl", "top1_agreement",
    "stats"}}) or `lieq quantize --kl-reference` ({"kl": the statistics themselves})."""
    kl = doc.get("kl")
    if not kl:
        return {}
    st = kl.get("stats", kl)
    if "mean_kl" in kl:
        out = {"kl": kl["mean_kl"], "top1": kl["top1_agreement"]}
    elif "kl_mean" in st:
        out = {"kl": st["kl_mean"]["value"], "top1": st["top1_agreement"]["value"]}
    else:
        return {}
    if "kl_mean" in st:
        out["kl_err"] = st["kl_mean"]["error"]
        out["kl_p99"] = next((q["value"] for q in st["kl_quantiles"]
                              if abs(q["level"] - 0.99) < 1e-9), None)
        out["kl_max"] = st["kl_max"]
        out["dp_rms"] = st["delta_p_rms"]["value"]
        out["ppl_ratio"] = st["ppl_ratio"]["value"]
        out["ppl_ratio_err"] = st["ppl_ratio"]["error"]
    return out


def model_summary(mdir):
    analysis = load(os.path.join(mdir, "analysis.json"))
    layers = [{"layer": l["layer"], "dr": l["dr"], "dE": l["dE"], "dppl": l["dppl"]}
              for l in analysis["layers"]]
    corr = [c for c in analysis.get("correlations", []) if {c["x"], c["y"]} == {"dppl", "dr"}]
    rows = []
    fp = None
    for rid, plan, backend in ROWS:
        path = os.path.join(mdir, rid + ".json")
        if not os.path.exists(path):
            continue
        doc = load(path)
        row = {"id": rid, "plan": plan, "backend": backend, "tasks": task_scores(doc)}
        if rid == "fp16":
            row["ppl"] = doc["ppl"]["ppl"]
            row["windows"], row["seqlen"] = doc["ppl"]["windows"], doc["ppl"]["seqlen"]
            row["bits"] = 16.0
            row["layer_bits"] = []
            fp = row
        else:
            row["ppl"] = doc["ppl"]["ppl"]
            row["bits"] = doc["plan"]["nominal_bits"]
            row["layer_bits"] = doc["plan"]["layer_bits"]
            row["quantize_s"] = doc["timings"]["pipeline_s"]
            klp = os.path.join(mdir, rid + ".kl.json")
            row.update(kl_fields(load(klp) if os.path.exists(klp) else doc))
            sec = os.path.join(mdir, rid + ".seconds")
            if os.path.exists(sec):
                row["wall_s"] = float(open(sec).read())
        vals = [row["tasks"][k]["value"] for k, _, _ in TASKS if k in row["tasks"]]
        row["avg"] = sum(vals) / len(vals) if vals else None
        rows.append(row)
    for row in rows:
        if fp and fp.get("avg") and row.get("avg") is not None:
            row["recovered_pct"] = 100.0 * row["avg"] / fp["avg"]
    singles = []
    for l in layers:
        path = os.path.join(mdir, "single-%d.kl.json" % l["layer"])
        if not os.path.exists(path):
            path = os.path.join(mdir, "single-%d.json" % l["layer"])
        if os.path.exists(path):
            k = load(path)
            kl = kl_fields(k)
            ppl = k["ppl"]["ppl"] if isinstance(k["ppl"], dict) else k["ppl"]
            if kl:
                singles.append({"layer": l["layer"], "ppl": ppl, "kl": kl["kl"],
                                "top1": kl["top1"]})
    measure = None
    mpath = os.path.join(mdir, "measure.json")
    if os.path.exists(mpath):
        measure = load(mpath)
    choices = {}
    if layers:
        choices = {"top dr (LieQ)": max(layers, key=lambda l: l["dr"])["layer"],
                   "lowest dr": min(layers, key=lambda l: l["dr"])["layer"],
                   "top dE": max(layers, key=lambda l: l["dE"])["layer"],
                   "top dPPL (oracle)": max(layers, key=lambda l: l["dppl"])["layer"]}
    return {"model": os.path.basename(mdir), "analysis_run": analysis["run_id"],
            "ppl_base_calibration": analysis.get("ppl_base"), "layers": layers,
            "dppl_dr_correlation": corr[0] if corr else None, "rows": rows,
            "single_layer_plans": singles, "choices": choices, "measure": measure}


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def markdown(summary, args):
    lines = []
    for m in summary["models"]:
        fp = next((r for r in m["rows"] if r["id"] == "fp16"), None)
        tasks = any(r["tasks"] for r in m["rows"])
        lines.append(f"### {m['model']}\n")
        if fp:
            lines.append(f"WikiText-2 perplexity on {fp['windows']} windows x {fp['seqlen']} "
                         f"tokens (first half of the test set); calibration: {args.samples} "
                         f"windows of the second half; "
                         + (f"zero-shot: first {args.limit} items per task (acc; acc_norm for "
                            f"ARC-c and HellaSwag); " if tasks else "no zero-shot tasks; ")
                         + f"KL: mean "
                         f"KL(FP16 || quantized) in nats per token on the perplexity windows; "
                         f"top-1: % of positions predicting the FP16 model's top token.\n")
        head = ["plan", "backend", "layer bits", "bits", "PPL", "KL ± err", "KL p99", "top-1",
                "RMS Δp", "PPL ratio"] + ([t[1] for t in TASKS] + ["avg", "% FP16"] if tasks else [])
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for r in m["rows"]:
            cells = [r["plan"], r["backend"], "".join(str(b) if b < 10 else "F"
                                                      for b in r["layer_bits"]) or "-",
                     fmt(r["bits"], 3), fmt(r["ppl"]),
                     (fmt(r.get("kl"), 4) + (" ± " + fmt(r["kl_err"], 4) if "kl_err" in r else ""))
                     if "kl" in r else "-",
                     fmt(r.get("kl_p99"), 3),
                     fmt(100 * r["top1"], 1) if "top1" in r else "-",
                     fmt(100 * r["dp_rms"], 2) + "%" if "dp_rms" in r else "-",
                     fmt(r.get("ppl_ratio"), 3)]
            if tasks:
                cells += [fmt(100 * r["tasks"][k]["value"], 1) if k in r["tasks"] else "-"
                          for k, _, _ in TASKS]
                cells += [fmt(100 * r["avg"], 1) if r["avg"] is not None else "-",
                          fmt(r.get("recovered_pct"), 1)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("Layer scores (analysis run %d): " % m["analysis_run"] + ", ".join(
            f"L{l['layer']} dr {l['dr']:.4f} dE {l['dE']:.4f} dPPL {l['dppl']:.2f}"
            for l in m["layers"]))
        c = m["dppl_dr_correlation"]
        if c:
            lines.append(f"\nSpearman(dPPL, dr) = {c['spearman']['coefficient']:.3f} "
                         f"(p = {c['spearman']['p_value']:.3g}, n = {c['n']}).")
        lines.append("")
        singles = m["single_layer_plans"]
        if singles:
            by_kl = sorted(singles, key=lambda s: s["kl"])
            rank = {s["layer"]: i + 1 for i, s in enumerate(by_kl)}
            by_ppl = sorted(singles, key=lambda s: s["ppl"])
            rank_ppl = {s["layer"]: i + 1 for i, s in enumerate(by_ppl)}
            lines.append("Every plan with exactly one 4-bit layer (GPTQ, same budget), ranked by "
                         "KL (1 = least damage):\n")
            lines.append("| 4-bit layer | PPL | KL | top-1 | rank (KL) | rank (PPL) | chosen by |")
            lines.append("|---|---|---|---|---|---|---|")
            for s in sorted(singles, key=lambda s: s["layer"]):
                who = ", ".join(k for k, v in m["choices"].items() if v == s["layer"]) or "-"
                lines.append(f"| {s['layer']} | {s['ppl']:.2f} | {s['kl']:.4f} | "
                             f"{100 * s['top1']:.1f} | {rank[s['layer']]} | "
                             f"{rank_ppl[s['layer']]} | {who} |")
            lines.append("")
            lines.append("Rank of each choice among the %d plans (by KL / by PPL): " % len(singles) +
                         "; ".join(f"{k}: layer {v} -> {rank.get(v, '-')} / {rank_ppl.get(v, '-')}"
                                   for k, v in m["choices"].items()) + ".")
            lines.append("")
        lines += measure_markdown(m)
    return "\n".join(lines) + "\n"


def measure_markdown(m):
    """The measure pass and every predictor scored against its gains (issue 16)."""
    ms = m.get("measure")
    if not ms:
        return []
    out = []
    cost = ms["cost"]
    out.append(f"Measure pass (run {ms['run_id']}, {ms['backend'].upper()} {ms['low_bits']} -> "
               f"{ms['high_bits']} bits, {ms['calibration_windows']} calibration + "
               f"{ms['probe_windows']} probe windows of {ms['seqlen']} tokens from the "
               f"calibration half): {cost['seconds']:.1f} s = {cost['forward_multiple']:.1f} x one "
               f"FP forward over the same windows ({cost['layer_quantizations']} layer "
               f"quantizations). All layers at {ms['low_bits']} bits: KL {ms['kl_all_low']:.4f}.\n")
    singles = {s["layer"]: s for s in m["single_layer_plans"]}
    u2 = next((r for r in m["rows"] if r["id"] == "uniform2-gptq"), None)
    out.append("| layer | KL, only it at 2 bits | KL, it at 4 bits (rest 2) | measured gain |"
               + (" gain of the real one-layer plan (held-out text) |" if singles and u2 else ""))
    out.append("|---|---|---|---|" + ("---|" if singles and u2 else ""))
    for l in ms["layers"]:
        cells = [str(l["layer"]), fmt(l["kl_low"], 5), fmt(l["kl_raised"], 5), fmt(l["gain"], 5)]
        if singles and u2:
            sg = singles.get(l["layer"])
            cells.append(fmt(u2["kl"] - sg["kl"], 5) if sg and "kl" in u2 else "-")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    pr = ms.get("predictors")
    if pr:
        out.append(f"Predictors against the measured gains at {pr['budget']:.4f} bits (best "
                   f"achievable: raise layer(s) {','.join(map(str, pr['best_raised'])) or '-'}, "
                   f"gain {pr['best_gain']:.5f}); share = the part of that gain the predictor's "
                   f"own plan captures; rank = where its top layer ranks among all one-layer "
                   f"plans by measured gain (1 = best); 95% bootstrap intervals.\n")
        out.append("| predictor | raises | share of best gain | top choice (rank) | Spearman [CI] "
                   "| Kendall [CI] |")
        out.append("|---|---|---|---|---|---|")
        for p in pr["predictors"]:
            ci = lambda c: "-" if c[0] is None else f"[{c[0]:+.2f}, {c[1]:+.2f}]"
            rho = "-" if p["spearman"] is None else f"{p['spearman']:+.2f} {ci(p['spearman_ci'])}"
            tau = "-" if p["kendall"] is None else f"{p['kendall']:+.2f} {ci(p['kendall_ci'])}"
            share = "-" if p["share"] is None else f"{100 * p['share']:.1f}%"
            out.append(f"| {p['name']} | {','.join(map(str, p['raised'])) or '-'} | {share} | "
                       f"{p['top_choice']} ({p['top_choice_rank']}) | {rho} | {tau} |")
        out.append("")
        rnd = [p["share"] for p in pr["predictors"]
               if p["name"].startswith("random-") and p["share"] is not None]
        if rnd:
            out.append(f"Random plans: share {100 * min(rnd):.1f}% to {100 * max(rnd):.1f}% over "
                       f"{len(rnd)} seeds.\n")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--windows", type=int, default=0)
    p.add_argument("--samples", type=int, default=0)
    args = p.parse_args()
    models = sorted(d for d in os.listdir(args.out)
                    if os.path.exists(os.path.join(args.out, d, "analysis.json")))
    if not models:
        sys.exit(f"summarize.py: no model results under {args.out}")
    summary = {"limit": args.limit, "windows": args.windows, "samples": args.samples,
               "models": [model_summary(os.path.join(args.out, d)) for d in models]}
    tmp = os.path.join(args.out, "results.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    os.replace(tmp, os.path.join(args.out, "results.json"))
    tmp = os.path.join(args.out, "results.md.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(markdown(summary, args))
    os.replace(tmp, os.path.join(args.out, "results.md"))


if __name__ == "__main__":
    main()
