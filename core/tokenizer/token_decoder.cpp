#include "core/tokenizer/token_decoder.h"

#include "core/tokenizer/unicode_text.h"

namespace lieq::tok {

namespace {

void replaceAll(std::string &s, const std::string &from, const std::string &to)
{
    if (from.empty()) return;
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t hit = s.find(from, pos);
        if (hit == std::string::npos) break;
        out.append(s, pos, hit - pos);
        out.append(to);
        pos = hit + from.size();
    }
    if (pos == 0) return;
    out.append(s, pos, std::string::npos);
    s = std::move(out);
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// "<0xNN>" -> byte value, else -1.
int byteToken(const std::string &t)
{
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
    const int hi = hexValue(t[3]), lo = hexValue(t[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void byteLevel(std::vector<std::string> &tokens)
{
    std::string bytes, raw;
    for (const auto &t : tokens) {
        if (byteLevelToBytes(t, raw))
            bytes += raw;
        else
            bytes += t; // a char outside the alphabet: HF keeps the token's own bytes
    }
    tokens.assign(1, toValidUtf8(bytes));
}

void byteFallback(std::vector<std::string> &tokens)
{
    std::vector<std::string> out;
    std::string pending;
    std::size_t pendingCount = 0;
    auto flush = [&] {
        if (pendingCount == 0) return;
        if (isValidUtf8(pending)) {
            out.push_back(pending);
        } else {
            for (std::size_t i = 0; i < pendingCount; ++i)
                out.emplace_back("\xef\xbf\xbd");
        }
        pending.clear();
        pendingCount = 0;
    };
    for (auto &t : tokens) {
        const int b = byteToken(t);
        if (b >= 0) {
            pending.push_back(static_cast<char>(b));
            ++pendingCount;
        } else {
            flush();
            out.push_back(std::move(t));
        }
    }
    flush();
    tokens = std::move(out);
}

void strip(std::vector<std::string> &tokens, const std::string &ch, int start, int stop)
{
    for (auto &t : tokens) {
        for (int i = 0; i < start && !ch.empty() && t.compare(0, ch.size(), ch) == 0; ++i)
            t.erase(0, ch.size());
        for (int i = 0; i < stop && !ch.empty() && t.size() >= ch.size() &&
                        t.compare(t.size() - ch.size(), ch.size(), ch) == 0;
             ++i)
            t.erase(t.size() - ch.size());
    }
}

} // namespace

std::string TokenDecoder::decode(std::vector<std::string> tokens) const
{
    if (m_steps.empty()) {
        std::string joined;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (i) joined += ' ';
            joined += tokens[i];
        }
        return toValidUtf8(joined);
    }
    for (const Step &s : m_steps) {
        switch (s.kind) {
        case Step::Kind::ByteLevel:
            byteLevel(tokens);
            break;
        case Step::Kind::Replace:
            for (auto &t : tokens)
                replaceAll(t, s.pattern, s.content);
            break;
        case Step::Kind::ByteFallback:
            byteFallback(tokens);
            break;
        case Step::Kind::Fuse: {
            std::string joined;
            for (const auto &t : tokens)
                joined += t;
            tokens.assign(1, std::move(joined));
            break;
        }
        case Step::Kind::Strip:
            strip(tokens, s.pattern, s.start, s.stop);
            break;
        case Step::Kind::Metaspace:
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                replaceAll(tokens[i], s.pattern, " ");
                if (i == 0 && s.prependFirst && !tokens[i].empty() && tokens[i][0] == ' ')
                    tokens[i].erase(0, 1);
            }
            break;
        }
    }
    std::string out;
    for (const auto &t : tokens)
        out += t;
    return toValidUtf8(out);
}

} // namespace lieq::tok
