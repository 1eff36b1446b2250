// llama.cpp's speed on a GGUF (npm node-llama-cpp, prebuilt CPU binary, offline), for the
// end-to-end benchmark (tests/bench/kernels/bench_e2e):
//
//   node llama_bench.mjs MODEL.gguf PROMPT_TOKENS GEN_TOKENS THREADS
//
// Prefill: PROMPT_TOKENS ids evaluated in one batch. Decode: GEN_TOKENS greedy steps of one
// token each. Prints one JSON line: {prefillTokens, prefillSeconds, decodeTokens,
// decodeSeconds, loadSeconds, peakRssBytes, threads}. peakRssBytes is this node process's
// VmHWM (node itself included, about 50 MB).
import fs from "node:fs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

function fail(message) {
    process.stderr.write(`llama_bench: ${message}\n`);
    process.exit(2);
}

const [modelPath, promptArg, genArg, threadsArg] = process.argv.slice(2);
const promptTokens = Number(promptArg), genTokens = Number(genArg), threads = Number(threadsArg);
if (!modelPath || !(promptTokens > 0) || !(genTokens > 0) || !(threads > 0))
    fail("usage: node llama_bench.mjs MODEL.gguf PROMPT_TOKENS GEN_TOKENS THREADS");

const now = () => Number(process.hrtime.bigint()) / 1e9;
const t0 = now();
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: threads });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({
    contextSize: promptTokens + genTokens + 16, batchSize: promptTokens,
    threads: { ideal: threads, min: threads }, flashAttention: false,
});
const sequence = context.getSequence();
const loadSeconds = now() - t0;

const prompt = Array.from({ length: promptTokens }, (_, i) => 100 + ((i * 7919) % 5000));
const t1 = now();
await sequence.evaluateWithoutGeneratingNewTokens(prompt);
const prefillSeconds = now() - t1;

let generated = 0;
const t2 = now();
for await (const token of sequence.evaluate([prompt[0]], { temperature: 0 })) {
    if (++generated >= genTokens)
        break;
}
const decodeSeconds = now() - t2;

const status = fs.readFileSync("/proc/self/status", "utf8");
const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
process.stdout.write(JSON.stringify({
    prefillTokens: promptTokens, prefillSeconds, decodeTokens: generated, decodeSeconds,
    loadSeconds, peakRssBytes: hwm ? Number(hwm[1]) * 1024 : 0, threads,
}) + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
