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
        ("oracle-awq", "oracle (top dPPL)", "AWQ")]


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
            if os.path.exists(klp):
                kl = load(klp)["kl"]
                row["kl"], row["top1"] = kl["mean_kl"], kl["top1_agreement"]
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
        if os.path.exists(path):
            k = load(path)
            singles.append({"layer": l["layer"], "ppl": k["ppl"], "kl": k["kl"]["mean_kl"],
                            "top1": k["kl"]["top1_agreement"]})
    choices = {}
    if layers:
        choices = {"top dr (LieQ)": max(layers, key=lambda l: l["dr"])["layer"],
                   "lowest dr": min(layers, key=lambda l: l["dr"])["layer"],
                   "top dE": max(layers, key=lambda l: l["dE"])["layer"],
                   "top dPPL (oracle)": max(layers, key=lambda l: l["dppl"])["layer"]}
    return {"model": os.path.basename(mdir), "analysis_run": analysis["run_id"],
            "ppl_base_calibration": analysis.get("ppl_base"), "layers": layers,
            "dppl_dr_correlation": corr[0] if corr else None, "rows": rows,
            "single_layer_plans": singles, "choices": choices}


def fmt(v, digits=2):
    return "-" if v is None else f"{v:.{digits}f}"


def markdown(summary, args):
    lines = []
    for m in summary["models"]:
        fp = next((r for r in m["rows"] if r["id"] == "fp16"), None)
        lines.append(f"### {m['model']}\n")
        if fp:
            lines.append(f"WikiText-2 perplexity on {fp['windows']} windows x {fp['seqlen']} "
                         f"tokens (first half of the test set); calibration: {args.samples} "
                         f"windows of the second half; zero-shot: first {args.limit} items per "
                         f"task (acc; acc_norm for ARC-c and HellaSwag). KL: mean "
                         f"KL(FP16 || quantized) in nats per token on the perplexity windows; "
                         f"top-1: % of positions predicting the FP16 model's top token.\n")
        head = ["plan", "backend", "layer bits", "bits", "PPL", "KL", "top-1"] + \
               [t[1] for t in TASKS] + ["avg", "% FP16"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for r in m["rows"]:
            cells = [r["plan"], r["backend"], "".join(str(b) if b < 10 else "F"
                                                      for b in r["layer_bits"]) or "-",
                     fmt(r["bits"], 3), fmt(r["ppl"]), fmt(r.get("kl"), 4),
                     fmt(100 * r["top1"], 1) if "top1" in r else "-"]
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
    return "\n".join(lines) + "\n"


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
