#include "core/io/projection.h"

#include "core/io/model_config.h"

namespace lieq {

namespace {

struct ProjectionInfo
{
    std::string_view name, module, stem;
    FusedGroup group;
};

constexpr ProjectionInfo kInfo[] = {
    {"q", "q_proj", "self_attn.q_proj", FusedGroup::Qkv},
    {"k", "k_proj", "self_attn.k_proj", FusedGroup::Qkv},
    {"v", "v_proj", "self_attn.v_proj", FusedGroup::Qkv},
    {"o", "o_proj", "self_attn.o_proj", FusedGroup::O},
    {"gate", "gate_proj", "mlp.gate_proj", FusedGroup::GateUp},
    {"up", "up_proj", "mlp.up_proj", FusedGroup::GateUp},
    {"down", "down_proj", "mlp.down_proj", FusedGroup::Down},
};

constexpr Projection kQkv[] = {Projection::Q, Projection::K, Projection::V};
constexpr Projection kO[] = {Projection::O};
constexpr Projection kGateUp[] = {Projection::Gate, Projection::Up};
constexpr Projection kDown[] = {Projection::Down};

const ProjectionInfo &info(Projection p) { return kInfo[static_cast<std::size_t>(p)]; }

} // namespace

std::string_view projectionName(Projection p) { return info(p).name; }

std::string_view projectionModuleName(Projection p) { return info(p).module; }

std::string_view projectionTensorStem(Projection p) { return info(p).stem; }

std::optional<Projection> projectionFromName(std::string_view name)
{
    for (Projection p : kAllProjections)
        if (info(p).name == name || info(p).module == name)
            return p;
    return std::nullopt;
}

FusedGroup fusedGroupOf(Projection p) { return info(p).group; }

std::string_view fusedGroupName(FusedGroup g)
{
    switch (g) {
    case FusedGroup::Qkv: return "qkv";
    case FusedGroup::O: return "o";
    case FusedGroup::GateUp: return "gate_up";
    case FusedGroup::Down: return "down";
    }
    return "?";
}

std::span<const Projection> fusedGroupMembers(FusedGroup g)
{
    switch (g) {
    case FusedGroup::Qkv: return kQkv;
    case FusedGroup::O: return kO;
    case FusedGroup::GateUp: return kGateUp;
    case FusedGroup::Down: return kDown;
    }
    return {};
}

ProjectionShape projectionShape(const ModelConfig &c, Projection p)
{
    const std::int64_t qOut = c.numHeads * c.headDim, kvOut = c.numKvHeads * c.headDim;
    switch (p) {
    case Projection::Q: return {qOut, c.hiddenSize};
    case Projection::K:
    case Projection::V: return {kvOut, c.hiddenSize};
    case Projection::O: return {c.hiddenSize, qOut};
    case Projection::Gate:
    case Projection::Up: return {c.intermediateSize, c.hiddenSize};
    case Projection::Down: return {c.hiddenSize, c.intermediateSize};
    }
    return {};
}

} // namespace lieq
