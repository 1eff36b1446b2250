<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>lieq::ui</name>
    <message>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 M</source>
        <translation>%1 M</translation>
    </message>
    <message>
        <source>%1 K</source>
        <translation>%1 K</translation>
    </message>
</context>
<context>
    <name>lieq::ui::AboutDialog</name>
    <message>
        <source>About LieQ Workbench</source>
        <translation>关于 LieQ Workbench</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>版本 %1</translation>
    </message>
    <message>
        <source>Layer-wise mixed-precision post-training quantization of small language models, after the LieQ method (arXiv 2508.03332).</source>
        <translation>小型语言模型的逐层混合精度训练后量化，基于 LieQ 方法（arXiv 2508.03332）。</translation>
    </message>
    <message>
        <source>Built with Qt %1.</source>
        <translation>基于 Qt %1 构建。</translation>
    </message>
</context>
<context>
    <name>lieq::ui::BudgetPanel</name>
    <message>
        <source>Budget</source>
        <translation>预算</translation>
    </message>
    <message>
        <source>Average bits (decoder linears):</source>
        <translation>平均位宽（解码器线性层）：</translation>
    </message>
    <message>
        <source>Allocation method:</source>
        <translation>分配方法：</translation>
    </message>
    <message>
        <source>LieQ: top-scored layers get the high bit-width</source>
        <translation>LieQ：得分最高的层获得高位宽</translation>
    </message>
    <message>
        <source>Exact knapsack under the budget</source>
        <translation>预算内的精确背包求解</translation>
    </message>
    <message>
        <source>Greedy: nested, more budget never lowers a layer</source>
        <translation>贪心：嵌套式，增加预算不会降低任何层</translation>
    </message>
    <message>
        <source>Bit set:</source>
        <translation>位宽集合：</translation>
    </message>
    <message>
        <source>Per projection</source>
        <translation>按投影</translation>
    </message>
    <message>
        <source>Fused groups (q/k/v, gate/up share bits)</source>
        <translation>融合分组（q/k/v、gate/up 共享位宽）</translation>
    </message>
    <message>
        <source>Group size (for effective bits and sizes):</source>
        <translation>分组大小（用于有效位宽和大小）：</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>Click a bar (or right-click a layer in the table) to pin it.</source>
        <translation>点击柱形（或在表格中右键点击某层）即可固定该层。</translation>
    </message>
    <message>
        <source>Bits per layer</source>
        <translation>每层位宽</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消固定</translation>
    </message>
    <message>
        <source>Keep 16-bit</source>
        <translation>保持 16 位</translation>
    </message>
    <message>
        <source>Pin to %1-bit</source>
        <translation>固定为 %1 位</translation>
    </message>
    <message>
        <source>Layer %1</source>
        <translation>第 %1 层</translation>
    </message>
    <message>
        <source>Open a model to plan its bits.</source>
        <translation>打开一个模型以规划其位宽。</translation>
    </message>
    <message>
        <source>Nominal bits</source>
        <translation>名义位宽</translation>
    </message>
    <message>
        <source>Upgraded units</source>
        <translation>提升的单元</translation>
    </message>
    <message>
        <source>Effective bits (%1)</source>
        <translation>有效位宽（%1）</translation>
    </message>
    <message>
        <source>%1 file size</source>
        <translation>%1 文件大小</translation>
    </message>
    <message>
        <source>FP16 size</source>
        <translation>FP16 大小</translation>
    </message>
    <message>
        <source>16-bit</source>
        <translation>16 位</translation>
    </message>
    <message>
        <source>%1-bit</source>
        <translation>%1 位</translation>
    </message>
    <message>
        <source>mixed</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>layer (* pinned)</source>
        <translation>层（* 已固定）</translation>
    </message>
    <message>
        <source>bits</source>
        <translation>位宽</translation>
    </message>
</context>
<context>
    <name>lieq::ui::CorrelationView</name>
    <message>
        <source>dr (compactness)</source>
        <translation>dr（紧致度）</translation>
    </message>
    <message>
        <source>ΔPPL</source>
        <translation>ΔPPL</translation>
    </message>
    <message>
        <source>ΔPPL vs dr across layers</source>
        <translation>各层 ΔPPL 与 dr 的关系</translation>
    </message>
    <message>
        <source>Correlation needs ΔPPL and dr for at least 3 layers.</source>
        <translation>相关性至少需要 3 层的 ΔPPL 和 dr。</translation>
    </message>
    <message>
        <source>Spearman ρ</source>
        <translation>Spearman ρ</translation>
    </message>
    <message>
        <source>Pearson r</source>
        <translation>Pearson r</translation>
    </message>
    <message>
        <source>Kendall τ-b</source>
        <translation>Kendall τ-b</translation>
    </message>
    <message>
        <source>%1 layers; %2% bootstrap intervals, %3 resamples</source>
        <translation>%1 层；%2% bootstrap 置信区间，%3 次重采样</translation>
    </message>
</context>
<context>
    <name>lieq::ui::ExportDialog</name>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Written:</source>
        <translation>已写入：</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Bit plan (JSON)</source>
        <translation>位宽方案（JSON）</translation>
    </message>
    <message>
        <source>Layer metrics and plan report (JSON)</source>
        <translation>层指标与方案报告（JSON）</translation>
    </message>
    <message>
        <source>Layer metrics (CSV)</source>
        <translation>层指标（CSV）</translation>
    </message>
    <message>
        <source>Model as F16 GGUF (llama.cpp)</source>
        <translation>模型导出为 F16 GGUF（llama.cpp）</translation>
    </message>
</context>
<context>
    <name>lieq::ui::ExportTarget</name>
    <message>
        <source>Export folder</source>
        <translation>导出文件夹</translation>
    </message>
    <message>
        <source>Folder:</source>
        <translation>文件夹：</translation>
    </message>
    <message>
        <source>File name prefix:</source>
        <translation>文件名前缀：</translation>
    </message>
</context>
<context>
    <name>lieq::ui::HistoryModel</name>
    <message>
        <source>analysis</source>
        <translation>分析</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
</context>
<context>
    <name>lieq::ui::HistoryPanel</name>
    <message>
        <source>analysis</source>
        <translation>分析</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>nominal bits</source>
        <translation>名义位宽</translation>
    </message>
    <message>
        <source>effective bits</source>
        <translation>有效位宽</translation>
    </message>
    <message>
        <source>bits per layer</source>
        <translation>每层位宽</translation>
    </message>
    <message>
        <source>wall time (s)</source>
        <translation>耗时（秒）</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <source>Delete the selected run and its results?</source>
        <translation>删除所选运行及其结果？</translation>
    </message>
    <message>
        <source>%1 of %2 runs</source>
        <translation>%1 / %2 次运行</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Filter by model name, path or fingerprint</source>
        <translation>按模型名称、路径或指纹筛选</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>All runs</source>
        <translation>全部运行</translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation>分析</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Select two runs and press Compare to see them side by side.</source>
        <translation>选择两次运行并点击“比较”即可并排查看。</translation>
    </message>
    <message>
        <source>settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>%1 acc</source>
        <translation>%1 准确率</translation>
    </message>
</context>
<context>
    <name>lieq::ui::JobRunner</name>
    <message>
        <source>Out of memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <source>Internal error: %1</source>
        <translation>内部错误：%1</translation>
    </message>
    <message>
        <source>Unknown internal error</source>
        <translation>未知内部错误</translation>
    </message>
</context>
<context>
    <name>lieq::ui::LayerChart</name>
    <message>
        <source>layer mean</source>
        <translation>层均值</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>no data yet</source>
        <translation>暂无数据</translation>
    </message>
</context>
<context>
    <name>lieq::ui::LayerMetricsModel</name>
    <message>
        <source>16-bit</source>
        <translation>16 位</translation>
    </message>
    <message>
        <source>%1-bit</source>
        <translation>%1 位</translation>
    </message>
    <message>
        <source>Right-click a layer to pin it to a bit-width</source>
        <translation>右键点击某层可固定其位宽</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>ΔPPL</source>
        <translation>ΔPPL</translation>
    </message>
    <message>
        <source>dr</source>
        <translation>dr</translation>
    </message>
    <message>
        <source>ΔE</source>
        <translation>ΔE</translation>
    </message>
    <message>
        <source>Params</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>位宽</translation>
    </message>
    <message>
        <source>Pinned</source>
        <translation>已固定</translation>
    </message>
</context>
<context>
    <name>lieq::ui::LayerView</name>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Spectral metrics:</source>
        <translation>谱指标：</translation>
    </message>
    <message>
        <source>Layer mean</source>
        <translation>层均值</translation>
    </message>
    <message>
        <source>Per projection</source>
        <translation>按投影</translation>
    </message>
    <message>
        <source>ΔPPL (layer removed)</source>
        <translation>ΔPPL（移除该层）</translation>
    </message>
    <message>
        <source>Compactness dr</source>
        <translation>紧致度 dr</translation>
    </message>
    <message>
        <source>Top-k energy ΔE</source>
        <translation>Top-k 能量 ΔE</translation>
    </message>
    <message>
        <source>Run analysis (F5)</source>
        <translation>运行分析（F5）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>lieq::ui::MainWindow</name>
    <message>
        <source>Memory: %1 (peak %2)</source>
        <translation>内存：%1（峰值 %2）</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open model folder…</source>
        <translation>打开模型文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Close model</source>
        <translation>关闭模型(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>Cancel running job</source>
        <translation>取消正在运行的任务</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About LieQ Workbench</source>
        <translation>关于 LieQ Workbench(&amp;A)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the running job (Esc)</source>
        <translation>取消正在运行的任务（Esc）</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <source>LieQ Workbench</source>
        <translation>LieQ 工作台</translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>ETA %1 s</source>
        <translation>剩余 %1 秒</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
</context>
<context>
    <name>lieq::ui::MessageBar</name>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunComparison</name>
    <message>
        <source>stored run %1</source>
        <translation>已存储运行 %1</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>nominal bits</source>
        <translation>名义位数</translation>
    </message>
    <message>
        <source>effective bits</source>
        <translation>有效位数</translation>
    </message>
    <message>
        <source>bits per layer</source>
        <translation>每层位数</translation>
    </message>
    <message>
        <source>per row</source>
        <translation>按行</translation>
    </message>
    <message>
        <source>group size</source>
        <translation>分组大小</translation>
    </message>
    <message>
        <source>symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>act-order</source>
        <translation>激活排序</translation>
    </message>
    <message>
        <source>calibration</source>
        <translation>校准</translation>
    </message>
    <message>
        <source>%1 × %2 tokens</source>
        <translation>%1 × %2 个词元</translation>
    </message>
    <message>
        <source>perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>%1 acc</source>
        <translation>%1 准确率</translation>
    </message>
    <message>
        <source>mean acc</source>
        <translation>平均准确率</translation>
    </message>
    <message>
        <source>% of FP16</source>
        <translation>FP16 的百分比</translation>
    </message>
    <message>
        <source>size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>time (s)</source>
        <translation>时间（秒）</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunQueue</name>
    <message>
        <source>No %1 backend in this build: the core pipeline for it is not available yet.</source>
        <translation>此版本没有 %1 后端：对应的核心流水线尚不可用。</translation>
    </message>
    <message>
        <source>quantizing</source>
        <translation>量化中</translation>
    </message>
    <message>
        <source>perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>saving</source>
        <translation>保存中</translation>
    </message>
    <message>
        <source>preparing</source>
        <translation>准备中</translation>
    </message>
    <message>
        <source>loading model</source>
        <translation>加载模型</translation>
    </message>
    <message>
        <source>tokenizing</source>
        <translation>分词中</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunQueueModel</name>
    <message>
        <source>quantize</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>ETA %1 s</source>
        <translation>剩余 %1 秒</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>位宽</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>PPL</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>% of FP16</source>
        <translation>FP16 的百分比</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>耗时</translation>
    </message>
    <message>
        <source>stored #%1</source>
        <translation>已存储 #%1</translation>
    </message>
    <message>
        <source>%1: acc %2%</source>
        <translation>%1：准确率 %2%</translation>
    </message>
    <message>
        <source>%1 items per task</source>
        <translation>每个任务 %1 条</translation>
    </message>
    <message>
        <source>Mean zero-shot accuracy relative to the FP16 baseline</source>
        <translation>相对于 FP16 基线的平均零样本准确率</translation>
    </message>
    <message>
        <source>FP16 perplexity / perplexity (no zero-shot tasks to compare)</source>
        <translation>FP16 困惑度 / 困惑度（没有可比较的零样本任务）</translation>
    </message>
    <message>
        <source>Estimated size of a GPTQ-layout checkpoint (none was saved)</source>
        <translation>GPTQ 格式检查点的估计大小（未保存）</translation>
    </message>
    <message>
        <source>nominal %1, effective %2 bits</source>
        <translation>名义 %1，有效 %2 位</translation>
    </message>
    <message>
        <source>Acc %</source>
        <translation>准确率 %</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunsPanel</name>
    <message>
        <source>Quantize with the current plan, then evaluate</source>
        <translation>按当前方案量化，然后评估</translation>
    </message>
    <message>
        <source>The quantization pipeline is not in this build yet</source>
        <translation>此版本尚未包含量化流水线</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>帕累托前沿</translation>
    </message>
    <message>
        <source>Perplexity vs effective bits</source>
        <translation>困惑度与有效位宽</translation>
    </message>
    <message>
        <source>effective bits</source>
        <translation>有效位宽</translation>
    </message>
    <message>
        <source>PPL</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Backend:</source>
        <translation>后端：</translation>
    </message>
    <message>
        <source>Group:</source>
        <translation>分组：</translation>
    </message>
    <message>
        <source>per row</source>
        <translation>按行</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>对称</translation>
    </message>
    <message>
        <source>Act-order</source>
        <translation>激活排序</translation>
    </message>
    <message>
        <source>Calibration samples:</source>
        <translation>校准样本数：</translation>
    </message>
    <message>
        <source>Queue quantization</source>
        <translation>加入量化队列</translation>
    </message>
    <message>
        <source>Queue FP16 evaluation</source>
        <translation>加入 FP16 评估队列</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Calibration windows of 512 tokens from the calibration data (Settings)</source>
        <translation>来自校准数据（设置）的 512 词元校准窗口数</translation>
    </message>
    <message>
        <source>Tasks (%1)</source>
        <translation>任务（%1）</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Zero-shot tasks scored after the perplexity</source>
        <translation>在困惑度之后评测的零样本任务</translation>
    </message>
    <message>
        <source>Set the standard data folder in Settings to score zero-shot tasks</source>
        <translation>请在设置中指定标准数据文件夹以评测零样本任务</translation>
    </message>
    <message>
        <source>Items per task:</source>
        <translation>每个任务条数：</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Save checkpoint</source>
        <translation>保存检查点</translation>
    </message>
    <message>
        <source>Write the quantized model as a checkpoint folder (it can then be exported)</source>
        <translation>将量化模型写入检查点文件夹（之后可导出）</translation>
    </message>
    <message>
        <source>Compare selected</source>
        <translation>比较所选</translation>
    </message>
    <message>
        <source>Select two runs to see them side by side</source>
        <translation>选择两个运行以并排查看</translation>
    </message>
    <message>
        <source>Select two runs and press Compare selected.</source>
        <translation>选择两个运行并点击“比较所选”。</translation>
    </message>
</context>
<context>
    <name>lieq::ui::SettingsDialog</name>
    <message>
        <source>Choose folder</source>
        <translation>选择文件夹</translation>
    </message>
    <message>
        <source>Choose file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <source>SQLite database (*.sqlite *.db)</source>
        <translation>SQLite 数据库 (*.sqlite *.db)</translation>
    </message>
    <message>
        <source>Text data (*.txt *.jsonl *.json);;All files (*)</source>
        <translation>文本数据 (*.txt *.jsonl *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Threads:</source>
        <translation>线程数：</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <source>Calibration data:</source>
        <translation>校准数据：</translation>
    </message>
    <message>
        <source>Evaluation data:</source>
        <translation>评估数据：</translation>
    </message>
    <message>
        <source>Standard data sets:</source>
        <translation>标准数据集：</translation>
    </message>
    <message>
        <source>Experiment store:</source>
        <translation>实验数据库：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Where analysis and runs compute: the GPU or the CPU</source>
        <translation>分析和运行的计算位置：GPU 或 CPU</translation>
    </message>
    <message>
        <source>CUDA is not available: this libtorch has no CUDA or sees no GPU</source>
        <translation>CUDA 不可用：此 libtorch 不含 CUDA 或未检测到 GPU</translation>
    </message>
    <message>
        <source>Threads the engine uses for matrix work (analysis and runs)</source>
        <translation>引擎用于矩阵计算的线程数（分析和运行）</translation>
    </message>
</context>
<context>
    <name>lieq::ui::SummaryPanel</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Hidden size</source>
        <translation>隐藏维度</translation>
    </message>
    <message>
        <source>Heads (KV)</source>
        <translation>注意力头（KV）</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Decoder linear</source>
        <translation>解码器线性层</translation>
    </message>
    <message>
        <source>Storage dtype</source>
        <translation>存储数据类型</translation>
    </message>
    <message>
        <source>Size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>指纹</translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s) in %1 file(s)</source>
        <translation>
            <numerusform>%1 个文件中的 %n 个张量</numerusform>
        </translation>
    </message>
    <message>
        <source>No model open</source>
        <translation>未打开模型</translation>
    </message>
</context>
<context>
    <name>lieq::ui::Workbench</name>
    <message>
        <source>Open a model first.</source>
        <translation>请先打开一个模型。</translation>
    </message>
    <message>
        <source>Open a model and choose a plan first.</source>
        <translation>请先打开模型并选择方案。</translation>
    </message>
    <message>
        <source>Run %1: %2</source>
        <translation>运行 %1：%2</translation>
    </message>
    <message>
        <source>Baseline PPL %1; run %2 %3 (%4 s)</source>
        <translation>基线困惑度 %1；运行 %2 %3（%4 秒）</translation>
    </message>
    <message>
        <source>reused from the store</source>
        <translation>复用自数据库</translation>
    </message>
    <message>
        <source>stored</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>Analysis cancelled.</source>
        <translation>分析已取消。</translation>
    </message>
    <message>
        <source>This build has no layer diagnostics module.</source>
        <translation>此版本不含层诊断模块。</translation>
    </message>
    <message>
        <source>%1 layers. Per-layer diagnostics appear here as they are computed, or reopen an analysis from History.</source>
        <translation>%1 层。各层诊断结果计算完成后会显示在这里，也可以从历史中重新打开一次分析。</translation>
    </message>
    <message>
        <source>Choose calibration data in Settings first.</source>
        <translation>请先在设置中选择校准数据。</translation>
    </message>
    <message>
        <source>Analysing %1…</source>
        <translation>正在分析 %1…</translation>
    </message>
</context>
</TS>
