#include "core/sweep/plan_choice.h"

#include "core/util/error.h"

namespace lieq::sweep {

namespace {

const char *kForms = "expected uniform-N (N in 2,3,4,8), dr, dE, dppl (or lieq, oracle, lowest), "
                     "optionally <score>-inverted and :paper|:knapsack|:greedy, or rule:NAME";

[[noreturn]] void bad(const std::string &text, const std::string &why)
{
    throw Error("plan \"" + text + "\": " + why + " (" + kForms + ")");
}

} // namespace

std::string PlanChoice::name() const
{
    switch (kind) {
    case Kind::Uniform:
        return "uniform-" + std::to_string(uniformBits);
    case Kind::Rule:
        return "rule:" + rule;
    case Kind::Scored:
        break;
    }
    std::string s = metric;
    if (inverted)
        s += "-inverted";
    if (!allocator.empty())
        s += ":" + allocator;
    return s;
}

PlanChoice parsePlanChoice(const std::string &text)
{
    PlanChoice c;
    if (text.empty())
        bad(text, "empty");
    if (text.rfind("rule:", 0) == 0) {
        c.kind = PlanChoice::Kind::Rule;
        c.rule = text.substr(5);
        if (c.rule.empty())
            bad(text, "no rule name");
        return c;
    }
    if (text.rfind("uniform-", 0) == 0) {
        c.kind = PlanChoice::Kind::Uniform;
        const std::string n = text.substr(8);
        if (n != "2" && n != "3" && n != "4" && n != "8")
            bad(text, "uniform bit-width must be 2, 3, 4 or 8");
        c.uniformBits = std::stoi(n);
        return c;
    }
    std::string score = text;
    if (const auto colon = score.find(':'); colon != std::string::npos) {
        c.allocator = score.substr(colon + 1);
        score.resize(colon);
        if (c.allocator != "paper" && c.allocator != "knapsack" && c.allocator != "greedy")
            bad(text, "unknown allocator \"" + c.allocator + "\"");
    }
    const std::string suffix = "-inverted";
    if (score.size() > suffix.size() &&
        score.compare(score.size() - suffix.size(), suffix.size(), suffix) == 0) {
        c.inverted = true;
        score.resize(score.size() - suffix.size());
    }
    if (score == "lieq")
        score = "dr";
    else if (score == "oracle")
        score = "dppl";
    else if (score == "lowest") {
        if (c.inverted)
            bad(text, "\"lowest\" is already inverted");
        score = "dr";
        c.inverted = true;
    }
    if (score != "dr" && score != "dE" && score != "dppl")
        bad(text, "unknown score \"" + score + "\"");
    c.metric = score;
    return c;
}

} // namespace lieq::sweep
