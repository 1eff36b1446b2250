#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace lieq {

// The seven linear projections of a decoder layer, in execution order.
enum class Projection { Q, K, V, O, Gate, Up, Down };

inline constexpr std::array<Projection, 7> kAllProjections = {
    Projection::Q, Projection::K, Projection::V, Projection::O,
    Projection::Gate, Projection::Up, Projection::Down};

// Short name: "q", "k", "v", "o", "gate", "up", "down".
std::string_view projectionName(Projection p);
// HF tensor stem inside a layer: "self_attn.q_proj", ..., "mlp.down_proj".
std::string_view projectionTensorStem(Projection p);
std::optional<Projection> projectionFromName(std::string_view shortName);

} // namespace lieq
