#include "ui/layermetricsmodel.h"

#include "ui/modelsummary.h"

#include <QBrush>
#include <QColor>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace lieq::ui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char *metricOfColumn(int c)
{
    switch (c) {
    case LayerMetricsModel::DpplCol: return "dppl";
    case LayerMetricsModel::DrCol: return "dr";
    case LayerMetricsModel::DeCol: return "dE";
    default: return nullptr;
    }
}
} // namespace

LayerMetricsModel::LayerMetricsModel(QObject *parent) : TableModel(parent) {}

void LayerMetricsModel::resetLayers(const std::vector<std::int64_t> &paramsPerLayer)
{
    beginResetModel();
    m_layers.assign(paramsPerLayer.size(), {});
    for (std::size_t i = 0; i < paramsPerLayer.size(); ++i)
        m_layers[i].params = paramsPerLayer[i];
    m_pins.clear();
    endResetModel();
    Q_EMIT metricsChanged();
}

void LayerMetricsModel::clearMetrics()
{
    if (m_layers.empty())
        return;
    for (auto &l : m_layers) {
        l.metrics.clear();
        l.projections.clear();
    }
    Q_EMIT dataChanged(index(0, DpplCol), index(rowCount() - 1, DeCol));
    Q_EMIT metricsChanged();
}

void LayerMetricsModel::addMetrics(const std::vector<store::LayerMetric> &layerRows,
                                   const std::vector<store::ProjectionMetric> &projectionRows)
{
    std::set<int> touched;
    for (const auto &r : layerRows) {
        if (r.layer < 0 || r.layer >= layerCount())
            continue; // rows of another model shape: never index out of range
        m_layers[r.layer].metrics[r.metric] = r.value;
        touched.insert(r.layer);
    }
    for (const auto &r : projectionRows) {
        if (r.layer < 0 || r.layer >= layerCount() || r.head)
            continue; // per-head rows are not shown in the table
        m_layers[r.layer].projections[{r.projection, r.metric}] = r.value;
        touched.insert(r.layer);
    }
    for (int l : touched) {
        Q_EMIT dataChanged(index(l, DpplCol), index(l, DeCol));
        Q_EMIT layerUpdated(l);
    }
    if (!touched.empty())
        Q_EMIT metricsChanged();
}

void LayerMetricsModel::setPlan(const alloc::BitPlan &plan)
{
    const std::vector<int> bits = plan.layerBits();
    for (int l = 0; l < layerCount(); ++l)
        m_layers[l].bits = l < int(bits.size()) ? bits[l] : 0;
    if (!m_layers.empty())
        Q_EMIT dataChanged(index(0, BitsCol), index(rowCount() - 1, BitsCol));
}

void LayerMetricsModel::setPins(const std::map<int, int> &pins)
{
    m_pins = pins;
    if (!m_layers.empty())
        Q_EMIT dataChanged(index(0, PinnedCol), index(rowCount() - 1, PinnedCol));
}

double LayerMetricsModel::layerMetric(int layer, const std::string &metric) const
{
    if (layer < 0 || layer >= layerCount())
        return kNaN;
    const auto &m = m_layers[layer].metrics;
    if (const auto it = m.find(metric); it != m.end())
        return it->second;
    // A layer mean can be derived from the projections when only those were stored.
    double sum = 0;
    int n = 0;
    for (const auto &[key, v] : m_layers[layer].projections)
        if (key.second == metric && std::isfinite(v)) {
            sum += v;
            ++n;
        }
    return n ? sum / n : kNaN;
}

double LayerMetricsModel::projectionMetric(int layer, const std::string &projection,
                                           const std::string &metric) const
{
    if (layer < 0 || layer >= layerCount())
        return kNaN;
    const auto &p = m_layers[layer].projections;
    const auto it = p.find({projection, metric});
    return it == p.end() ? kNaN : it->second;
}

std::vector<double> LayerMetricsModel::metricVector(const std::string &metric) const
{
    std::vector<double> v(m_layers.size());
    for (int l = 0; l < layerCount(); ++l)
        v[l] = layerMetric(l, metric);
    return v;
}

std::vector<std::string> LayerMetricsModel::projectionsWith(const std::string &metric) const
{
    // Canonical order first (the store's short names), then any other name found.
    static const std::vector<std::string> order = {"q", "k", "v", "o", "gate", "up", "down"};
    std::vector<std::string> found;
    for (const auto &l : m_layers)
        for (const auto &[key, v] : l.projections)
            if (key.second == metric && std::find(found.begin(), found.end(), key.first) == found.end())
                found.push_back(key.first);
    std::vector<std::string> out;
    for (const std::string &name : order)
        if (std::find(found.begin(), found.end(), name) != found.end())
            out.push_back(name);
    for (const std::string &name : found)
        if (std::find(out.begin(), out.end(), name) == out.end())
            out.push_back(name);
    return out;
}

int LayerMetricsModel::layersWith(const std::string &metric) const
{
    int n = 0;
    for (int l = 0; l < layerCount(); ++l)
        n += std::isfinite(layerMetric(l, metric)) ? 1 : 0;
    return n;
}

std::int64_t LayerMetricsModel::layerParams(int layer) const
{
    return layer >= 0 && layer < layerCount() ? m_layers[layer].params : 0;
}

int LayerMetricsModel::bits(int layer) const
{
    return layer >= 0 && layer < layerCount() ? m_layers[layer].bits : 0;
}

QVariant LayerMetricsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int l = index.row();
    const Layer &layer = m_layers[l];
    const int c = index.column();
    const auto pin = m_pins.find(l);
    if (role == ValueRole) {
        if (const char *m = metricOfColumn(c))
            return layerMetric(l, m);
        switch (c) {
        case LayerCol: return l;
        case ParamsCol: return qint64(layer.params);
        case BitsCol: return layer.bits;
        case PinnedCol: return pin == m_pins.end() ? 0 : pin->second;
        }
        return {};
    }
    if (role == Qt::DisplayRole) {
        if (const char *m = metricOfColumn(c)) {
            const double v = layerMetric(l, m);
            if (!std::isfinite(v))
                return QStringLiteral("…");
            return QString::number(v, 'f', c == DpplCol ? 3 : 4);
        }
        switch (c) {
        case LayerCol: return l;
        case ParamsCol: return formatCount(layer.params);
        case BitsCol: return layer.bits > 0 ? QVariant(layer.bits) : QVariant(QStringLiteral("—"));
        case PinnedCol:
            return pin == m_pins.end() ? QString() : (pin->second == 16 ? tr("16-bit") : tr("%1-bit").arg(pin->second));
        }
    }
    if (role == Qt::TextAlignmentRole)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::BackgroundRole && c == BitsCol && layer.bits > 0) {
        // Same palette as the allocation chart: the more bits, the warmer.
        switch (layer.bits) {
        case 2: return QBrush(QColor(0xd6, 0xe6, 0xf5));
        case 3: return QBrush(QColor(0xc6, 0xe9, 0xc8));
        case 4: return QBrush(QColor(0xfb, 0xe3, 0xb0));
        case 8: return QBrush(QColor(0xf6, 0xc1, 0x9e));
        default: return QBrush(QColor(0xe0, 0xe0, 0xe0));
        }
    }
    if (role == Qt::ToolTipRole && c == PinnedCol)
        return tr("Right-click a layer to pin it to a bit-width");
    return {};
}

int LayerMetricsModel::rows() const { return int(m_layers.size()); }

QStringList LayerMetricsModel::columnTitles() const
{
    return {tr("Layer"), tr("ΔPPL"), tr("dr"), tr("ΔE"), tr("Params"), tr("Bits"), tr("Pinned")};
}

} // namespace lieq::ui
