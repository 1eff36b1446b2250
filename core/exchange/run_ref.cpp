#include "core/exchange/run_ref.h"

#include "core/util/error.h"

namespace lieq::exchange {

std::string RunRef::text() const
{
    std::string s(1, kind == store::RunKind::Quant ? 'q' : 'a');
    return s.append(std::to_string(id));
}

RunRef parseRunRef(const std::string &text)
{
    RunRef r;
    std::string digits = text;
    if (!digits.empty() && (digits[0] == 'q' || digits[0] == 'a')) {
        r.kind = digits[0] == 'q' ? store::RunKind::Quant : store::RunKind::Analysis;
        digits.erase(0, 1);
    }
    std::size_t used = 0;
    try {
        r.id = std::stoll(digits, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (digits.empty() || used != digits.size() || r.id <= 0)
        throw Error("'" + text + "' is not a run id (e.g. 12, a12 or q3)");
    return r;
}

std::vector<RunRef> parseRunRefs(const std::vector<std::string> &texts)
{
    std::vector<RunRef> out;
    for (const std::string &t : texts) {
        const RunRef r = parseRunRef(t);
        bool seen = false;
        for (const RunRef &o : out)
            seen = seen || o == r;
        if (!seen)
            out.push_back(r);
    }
    return out;
}

} // namespace lieq::exchange
