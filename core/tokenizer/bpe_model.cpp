#include "core/tokenizer/bpe_model.h"

#include "core/tokenizer/unicode_text.h"
#include "core/util/error.h"

#include <algorithm>
#include <cstdio>

namespace lieq::tok {

namespace {

constexpr std::size_t kCacheCapacity = 1 << 18; // words; cleared when full (HF caps at 10k)
constexpr std::size_t kMaxCachedWordBytes = 256;
constexpr std::size_t kHeapThreshold = 16; // shorter words use the quadratic scan

inline uint64_t pairKey(int32_t left, int32_t right)
{
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
}

inline uint64_t mix(uint64_t k)
{
    k ^= k >> 29;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 32;
    return k;
}

} // namespace

void BpeModel::build(const StringIdMap &vocab,
                     const std::vector<std::pair<std::string, std::string>> &merges,
                     const Options &options)
{
    m_options = options;
    auto lookup = [&](const std::string &s) -> int32_t {
        auto it = vocab.find(s);
        return it == vocab.end() ? -1 : it->second;
    };
    for (int b = 0; b < 256; ++b) {
        std::string ch;
        appendUtf8(ch, byteToUnicode()[b]);
        m_byteIds[b] = options.byteLevel ? lookup(ch) : -1;
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        m_fallbackIds[b] = options.byteFallback ? lookup(name) : -1;
    }
    if (!options.byteLevel) m_charVocab = vocab;
    if (options.ignoreMerges) {
        std::string raw;
        for (const auto &[token, id] : vocab) {
            if (!options.byteLevel)
                m_wholeWords.emplace(token, id);
            else if (byteLevelToBytes(token, raw))
                m_wholeWords.emplace(raw, id);
        }
    }

    std::size_t size = 16;
    while (size < merges.size() * 2)
        size <<= 1;
    m_table.assign(size, MergeEntry{});
    m_mask = size - 1;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto &[a, b] = merges[rank];
        const int32_t left = lookup(a), right = lookup(b), merged = lookup(a + b);
        if (left < 0 || right < 0 || merged < 0)
            throw Error("merge " + std::to_string(rank) + " '" + a + " " + b +
                        "' uses a token that is not in the vocab");
        const uint64_t key = pairKey(left, right);
        uint64_t slot = mix(key) & m_mask;
        while (m_table[slot].key != ~0ull && m_table[slot].key != key)
            slot = (slot + 1) & m_mask;
        // A repeated merge keeps its last rank, as HF's HashMap collect does.
        m_table[slot] = MergeEntry{key, static_cast<int32_t>(rank), merged};
    }
}

const BpeModel::MergeEntry *BpeModel::findMerge(int32_t left, int32_t right) const
{
    const uint64_t key = pairKey(left, right);
    uint64_t slot = mix(key) & m_mask;
    for (;;) {
        const MergeEntry &e = m_table[slot];
        if (e.key == key) return &e;
        if (e.key == ~0ull) return nullptr;
        slot = (slot + 1) & m_mask;
    }
}

void BpeModel::initialSymbols(std::string_view word, std::vector<Symbol> &symbols) const
{
    symbols.clear();
    bool lastUnk = false;
    auto push = [&](int32_t id) {
        const int32_t idx = static_cast<int32_t>(symbols.size());
        symbols.push_back(Symbol{id, idx - 1, idx + 1, true});
    };
    auto pushUnk = [&] {
        if (!m_options.unkId) return; // HF drops an unknown char when the model has no unk token
        if (!(m_options.fuseUnk && lastUnk)) push(*m_options.unkId);
        lastUnk = true;
    };
    if (m_options.byteLevel) {
        for (char ch : word) {
            const int32_t id = m_byteIds[static_cast<unsigned char>(ch)];
            if (id >= 0) {
                push(id);
                lastUnk = false;
            } else {
                pushUnk();
            }
        }
    } else {
        std::size_t i = 0;
        while (i < word.size()) {
            const std::size_t start = i;
            nextCodePoint(word, i);
            const std::string_view ch = word.substr(start, i - start);
            auto it = m_charVocab.find(ch);
            if (it != m_charVocab.end()) {
                push(it->second);
                lastUnk = false;
                continue;
            }
            bool allBytes = m_options.byteFallback;
            for (char b : ch)
                allBytes = allBytes && m_fallbackIds[static_cast<unsigned char>(b)] >= 0;
            if (allBytes) {
                for (char b : ch)
                    push(m_fallbackIds[static_cast<unsigned char>(b)]);
                lastUnk = false;
            } else {
                pushUnk();
            }
        }
    }
    if (!symbols.empty()) symbols.back().next = -1;
}

void BpeModel::mergeNaive(std::vector<Symbol> &symbols) const
{
    if (symbols.empty()) return;
    for (;;) {
        int32_t bestPos = -1, bestRank = INT32_MAX, bestId = 0;
        for (int32_t p = 0; p >= 0; p = symbols[p].next) {
            const int32_t q = symbols[p].next;
            if (q < 0) break;
            const MergeEntry *m = findMerge(symbols[p].id, symbols[q].id);
            if (m && m->rank < bestRank) {
                bestRank = m->rank;
                bestPos = p;
                bestId = m->newId;
            }
        }
        if (bestPos < 0) return;
        Symbol &s = symbols[bestPos];
        Symbol &right = symbols[s.next];
        s.id = bestId;
        right.alive = false;
        s.next = right.next;
        if (s.next >= 0) symbols[s.next].prev = bestPos;
    }
}

void BpeModel::mergeHeap(std::vector<Symbol> &symbols) const
{
    struct Item
    {
        int32_t rank;
        int32_t pos;
        int32_t newId;
        bool operator<(const Item &o) const // std heap is a max-heap: invert for min (rank, pos)
        {
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    thread_local std::vector<Item> heap;
    heap.clear();
    auto consider = [&](int32_t p) {
        if (p < 0 || symbols[p].next < 0) return;
        if (const MergeEntry *m = findMerge(symbols[p].id, symbols[symbols[p].next].id)) {
            heap.push_back(Item{m->rank, p, m->newId});
            std::push_heap(heap.begin(), heap.end());
        }
    };
    for (int32_t p = 0; p < static_cast<int32_t>(symbols.size()); ++p)
        consider(p);
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end());
        const Item top = heap.back();
        heap.pop_back();
        Symbol &s = symbols[top.pos];
        if (!s.alive || s.next < 0) continue;
        const MergeEntry *m = findMerge(s.id, symbols[s.next].id);
        if (!m || m->rank != top.rank) // stale: one side was merged since
            continue;
        Symbol &right = symbols[s.next];
        s.id = top.newId;
        right.alive = false;
        s.next = right.next;
        if (s.next >= 0) symbols[s.next].prev = top.pos;
        consider(s.prev);
        consider(top.pos);
    }
}

void BpeModel::encodeWordUncached(std::string_view word, std::vector<int32_t> &out,
                                  bool useHeap) const
{
    thread_local std::vector<Symbol> symbols;
    initialSymbols(word, symbols);
    if (useHeap)
        mergeHeap(symbols);
    else
        mergeNaive(symbols);
    for (const Symbol &s : symbols)
        if (s.alive) out.push_back(s.id);
}

void BpeModel::encodeWord(std::string_view word, std::vector<int32_t> &out) const
{
    if (word.empty()) return;
    if (m_options.ignoreMerges) {
        auto it = m_wholeWords.find(word);
        if (it != m_wholeWords.end()) {
            out.push_back(it->second);
            return;
        }
    }
    const bool cacheable = word.size() <= kMaxCachedWordBytes;
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        auto it = m_cache.find(word);
        if (it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const std::size_t first = out.size();
    encodeWordUncached(word, out, word.size() > kHeapThreshold);
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        if (m_cache.size() >= kCacheCapacity) m_cache.clear();
        m_cache.emplace(std::string(word), std::vector<int32_t>(out.begin() + first, out.end()));
    }
}

} // namespace lieq::tok
