#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace lieq {

struct ModelConfig;

// The seven linear projections of a decoder layer, in execution order: the one vocabulary the
// runtime, the diagnostics, the quantization pipeline and the allocator share. Torch-free.
enum class Projection { Q, K, V, O, Gate, Up, Down };

inline constexpr std::array<Projection, 7> kAllProjections = {
    Projection::Q, Projection::K, Projection::V, Projection::O,
    Projection::Gate, Projection::Up, Projection::Down};

// Projections that read the same input: q/k/v (after input_layernorm), o, gate/up (after
// post_attention_layernorm), down. The diagnostics capture one input per group, the pipeline
// quantizes group by group, and fused checkpoints (vLLM) need one bit-width per group.
enum class FusedGroup { Qkv, O, GateUp, Down };

inline constexpr std::array<FusedGroup, 4> kAllFusedGroups = {FusedGroup::Qkv, FusedGroup::O,
                                                              FusedGroup::GateUp, FusedGroup::Down};

// Short name: "q", "k", "v", "o", "gate", "up", "down" (the store's projection column).
std::string_view projectionName(Projection p);
// Module name in checkpoints and plans: "q_proj", ..., "down_proj".
std::string_view projectionModuleName(Projection p);
// HF tensor stem inside a layer: "self_attn.q_proj", ..., "mlp.down_proj".
std::string_view projectionTensorStem(Projection p);
// From a short name ("q") or a module name ("q_proj").
std::optional<Projection> projectionFromName(std::string_view name);

FusedGroup fusedGroupOf(Projection p);
std::string_view fusedGroupName(FusedGroup g); // "qkv", "o", "gate_up", "down"
std::span<const Projection> fusedGroupMembers(FusedGroup g);

// Weight shape of a projection from the model's config: rows = out_features, cols = in_features,
// as the checkpoint stores it.
struct ProjectionShape
{
    std::int64_t rows = 0;
    std::int64_t cols = 0;
};
ProjectionShape projectionShape(const ModelConfig &config, Projection p);

} // namespace lieq
