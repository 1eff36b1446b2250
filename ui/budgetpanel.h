#pragma once

#include "core/alloc/allocator.h"
#include "core/alloc/size_estimate.h"
#include "core/io/model_config.h"
#include "ui/plandriver.h"

#include <QWidget>

#include <map>
#include <optional>

class QBarSet;
class QChartView;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QSlider;
class QSpinBox;

namespace lieq::ui {

class DamageChart;
class RefreshCoalescer;

// The bit budget, tuned by dragging: slider + spin box for the average bits, allocation
// method, bit set, granularity and fused groups, pins per layer. Every change recomputes the
// plan with core/alloc's pure functions (microseconds for tens of layers) and updates the
// allocation bar chart, nominal/effective bits and estimated file sizes at once.
class BudgetPanel : public QWidget
{
    Q_OBJECT
public:
    explicit BudgetPanel(QWidget *parent = nullptr);

    // A new model: its layers (shapes from config) and the parameters outside decoder linears.
    void setModel(const ModelConfig &config, std::int64_t otherParams);
    void clearModel();
    // Layer scores (higher = keep more bits); NaN or absent = 0.
    void setScores(const std::vector<double> &scores);

    void setBudget(double bits);
    double budget() const;
    void pinLayer(int layer, int bits); // bits in {2,3,4,8,16}
    void unpinLayer(int layer);
    const std::map<int, int> &pins() const { return m_pins; }
    void setBitSet(const std::vector<int> &bits);
    void setMethod(alloc::AllocMethod m);
    // What decides the raised layers (PlanDriver::keys(): "dr" = the scores above, the other
    // predictors' series and the measure pass through planDriver(), or a baseline rule).
    // Drivers without their data are listed disabled, with the reason as tooltip.
    void setDriver(const std::string &key);
    std::string driver() const;
    PlanDriver &planDriver() { return m_driver; }
    // Call after changing planDriver()'s series or measure: refreshes the list and the plan.
    void driverDataChanged();
    std::optional<double> predictedDamage() const; // KL of the plan from the measure pass
    DamageChart *damageChart() const { return m_damage; }

    const std::optional<alloc::BitPlan> &plan() const { return m_plan; }
    const std::vector<alloc::SizeEstimate> &sizes() const { return m_sizes; }
    QString errorText() const;
    QSlider *slider() const { return m_slider; }
    QDoubleSpinBox *spinBox() const { return m_spin; }
    QMenu *pinMenu() const { return m_pinMenu; }
    // The quantization grid the sizes assume (the Runs view quantizes with the same values).
    QSpinBox *groupSizeBox() const { return m_groupSize; }
    QCheckBox *symmetricBox() const { return m_symmetric; }
    int chartBarCount() const; // non-empty bars drawn (after any pending redraw)
    // Shows the pin menu for `layer` at the cursor (non-blocking popup).
    void showPinMenu(int layer);

Q_SIGNALS:
    void planChanged(const lieq::alloc::BitPlan &plan);
    void pinsChanged(const std::map<int, int> &pins);
    void layerSelected(int layer);


private:
    void buildUi();
    void retranslate();
    void recompute();
    void updateChart(); // schedules redrawChart()
    void redrawChart();
    void updateRange();
    std::vector<int> bitSet() const;

    ModelConfig m_config;
    bool m_hasModel = false;
    std::int64_t m_otherParams = 0;
    std::vector<double> m_scores;
    std::map<int, int> m_pins;
    std::optional<alloc::BitPlan> m_plan;
    std::vector<alloc::SizeEstimate> m_sizes;
    bool m_updating = false;
    int m_menuLayer = -1;

    QSlider *m_slider;
    QDoubleSpinBox *m_spin;
    QComboBox *m_method;
    QComboBox *m_driverBox;
    PlanDriver m_driver;
    DamageChart *m_damage;
    QList<QCheckBox *> m_bitBoxes; // 2, 3, 4, 8
    QCheckBox *m_perProjection;
    QCheckBox *m_fuse;
    QSpinBox *m_groupSize;
    QCheckBox *m_symmetric;
    QChartView *m_chart;
    RefreshCoalescer *m_chartRefresh = nullptr;
    QLabel *m_summary;
    QLabel *m_error;
    QLabel *m_budgetLabel, *m_methodLabel, *m_bitsLabel, *m_groupLabel, *m_hint, *m_driverLabel;
    QMenu *m_pinMenu;
};

} // namespace lieq::ui
