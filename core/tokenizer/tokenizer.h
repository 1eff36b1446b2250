#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lieq {

// Which BPE flavour a tokenizer.json holds; decides the GGUF tokenizer.ggml.model value.
enum class TokenizerKind
{
    ByteLevelBpe,     // GPT-2 byte-to-unicode alphabet (GPT-2, Llama-3, Qwen2/Qwen3): "gpt2"
    SentencePieceBpe, // "▁" for spaces, <0xNN> byte fallback (Llama-2, TinyLlama): "llama"
};

// Token types with the numeric values GGUF's tokenizer.ggml.token_type uses.
enum class TokenType : int32_t
{
    Normal = 1,
    Unknown = 2,
    Control = 3,     // special added tokens (<s>, <|endoftext|>)
    UserDefined = 4, // non-special added tokens
    Unused = 5,      // holes in the id range
    Byte = 6,        // <0xNN> byte-fallback pieces
};

// A HuggingFace tokenizer.json (BPE model), encoded and decoded exactly as the `tokenizers`
// library does for the supported configurations; anything else is refused at load time with
// a lieq::Error naming the file. Thread-safe: encode/decode may run concurrently.
class Tokenizer
{
public:
    // Loads tokenizer.json; tokenizer_config.json beside it (when present) supplies
    // add_bos_token / add_eos_token and the bos/eos token names.
    static Tokenizer fromFile(const std::string &tokenizerJsonPath);
    // dir/tokenizer.json (+ dir/tokenizer_config.json).
    static Tokenizer fromModelDir(const std::string &dir);

    Tokenizer(Tokenizer &&) noexcept;
    Tokenizer &operator=(Tokenizer &&) noexcept;
    ~Tokenizer();

    // Text to ids. addSpecial adds what the post-processor / add_bos_token asks (e.g. BOS).
    // Added tokens written in the text (e.g. "<|im_start|>") are always recognised.
    std::vector<int32_t> encode(std::string_view text, bool addSpecial = true) const;
    // Ids to text; skipSpecial drops special (control) tokens. Unknown ids throw lieq::Error.
    std::string decode(const std::vector<int32_t> &ids, bool skipSpecial = false) const;
    // One token's text for streaming output is not well defined for byte-level pieces: decode
    // the whole sequence and print the new suffix instead.

    std::optional<int32_t> bosId() const;
    std::optional<int32_t> eosId() const;
    std::optional<int32_t> unkId() const;
    std::optional<int32_t> padId() const;
    bool addsBos() const; // encode(text, true) starts with bosId()
    bool addsEos() const;
    int32_t vocabSize() const; // highest id + 1 (model vocab and added tokens)

    std::optional<int32_t> tokenToId(std::string_view token) const; // raw vocab string
    std::string idToToken(int32_t id) const; // raw vocab string; throws on a bad id
    bool isSpecial(int32_t id) const;

    // --- what a GGUF exporter needs ---
    TokenizerKind kind() const;
    // Tokens in id order (raw vocab strings, size vocabSize(); holes are "[PADn]").
    const std::vector<std::string> &tokens() const;
    const std::vector<TokenType> &tokenTypes() const;
    // Merges as "left right", in rank order.
    const std::vector<std::string> &merges() const;
    // Scores where the file has them (Unigram-style); for BPE, empty. Exporters may use
    // -rank or -id as llama.cpp does.
    const std::vector<float> &scores() const;
    // GGUF tokenizer.ggml.pre name: "gpt2", "llama-bpe", "qwen2", or "default" for SPM.
    const std::string &preTokenizerName() const;
    const std::string &path() const;

    struct Impl; // opaque; defined in the internal tokenizer_impl.h

private:
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace lieq
