#include "core/model/projection.h"

namespace lieq {

std::string_view projectionName(Projection p)
{
    switch (p) {
    case Projection::Q: return "q";
    case Projection::K: return "k";
    case Projection::V: return "v";
    case Projection::O: return "o";
    case Projection::Gate: return "gate";
    case Projection::Up: return "up";
    case Projection::Down: return "down";
    }
    return "?";
}

std::string_view projectionTensorStem(Projection p)
{
    switch (p) {
    case Projection::Q: return "self_attn.q_proj";
    case Projection::K: return "self_attn.k_proj";
    case Projection::V: return "self_attn.v_proj";
    case Projection::O: return "self_attn.o_proj";
    case Projection::Gate: return "mlp.gate_proj";
    case Projection::Up: return "mlp.up_proj";
    case Projection::Down: return "mlp.down_proj";
    }
    return "?";
}

std::optional<Projection> projectionFromName(std::string_view shortName)
{
    for (Projection p : kAllProjections)
        if (projectionName(p) == shortName)
            return p;
    return std::nullopt;
}

} // namespace lieq
