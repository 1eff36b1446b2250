// Reference log-probabilities from llama.cpp (npm node-llama-cpp, prebuilt CPU binary, offline).
//
//   node llama_logits.mjs MODEL.gguf TOKENS OUT.bin
//
// TOKENS: comma-separated token ids, or a path to a JSON array of ids. Every token is evaluated
// in one sequence; OUT.bin receives float32 little-endian log-probabilities, row-major
// [positions x vocab]: row i is log p(next token | tokens[0..i]). A JSON summary goes to stdout:
// {"positions": N, "vocab": V, "top1": [...], "llama": "<binding info>"}.
// No BOS is added: the ids are used exactly as given.
import fs from "node:fs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

function fail(message) {
    process.stderr.write(`llama_logits: ${message}\n`);
    process.exit(2);
}

const [modelPath, tokensArg, outPath] = process.argv.slice(2);
if (!modelPath || !tokensArg || !outPath)
    fail("usage: node llama_logits.mjs MODEL.gguf TOKENS OUT.bin");
const tokens = fs.existsSync(tokensArg)
    ? JSON.parse(fs.readFileSync(tokensArg, "utf8"))
    : tokensArg.split(",").filter((s) => s.length > 0).map(Number);
if (tokens.length === 0 || tokens.some((t) => !Number.isInteger(t) || t < 0))
    fail(`bad token list "${tokensArg}"`);

// gpu:false and build:"never": use the shipped CPU binary, never compile or download.
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const contextSize = Math.max(32, tokens.length + 1);
// F32 KV cache and no flash attention: the defaults (F16 cache) cost ~1e-2 in log-probs.
const context = await model.createContext({
    contextSize, batchSize: contextSize, threads: 2, flashAttention: false,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const sequence = context.getSequence();

// controlledEvaluate with generateNext.logits returns the raw logits of every vocab entry
// at each position (no sampling applied to them).
const results = await sequence.controlledEvaluate(
    tokens.map((t) => [t, { generateNext: { logits: true } }]));

// logits:true yields one entry per vocab token, so the first map's size is n_vocab.
const nVocab = results[0]?.next?.logits?.size ?? 0;
if (nVocab === 0)
    fail("llama.cpp returned no logits");
const out = new Float32Array(tokens.length * nVocab);
const top1 = [];
for (let i = 0; i < tokens.length; i++) {
    const logits = results[i]?.next?.logits;
    if (!logits)
        fail(`no logits returned for position ${i}`);
    const row = new Float64Array(nVocab).fill(-Infinity);
    for (const [tok, v] of logits)
        row[tok] = v;
    // log-softmax in double precision
    let max = -Infinity, arg = -1;
    for (let j = 0; j < nVocab; j++)
        if (row[j] > max) { max = row[j]; arg = j; }
    let sum = 0;
    for (let j = 0; j < nVocab; j++)
        sum += Math.exp(row[j] - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < nVocab; j++)
        out[i * nVocab + j] = row[j] - lse;
    top1.push(arg);
}
fs.writeFileSync(outPath, Buffer.from(out.buffer));
process.stdout.write(JSON.stringify({ positions: tokens.length, vocab: nVocab, top1 }) + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
