#pragma once

// Reading JSON text with an error that names the file: one place for the parse-or-throw that
// every reader of config, plan, scores, spec and snapshot files needs.

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <string>

namespace lieq {

// `text` parsed as JSON (nlohmann::json or ordered_json). Malformed text throws
// lieq::Error(file, what + the parser's message), e.g. what = "not valid JSON: ".
template <typename Json = nlohmann::json, typename Text>
Json parseJson(const Text &text, const std::string &file, const std::string &what)
{
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::exception &e) {
        throw Error(file, what + e.what());
    }
}

} // namespace lieq
