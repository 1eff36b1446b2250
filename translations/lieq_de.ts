<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>lieq::ui</name>
    <message>
        <source>%1 B</source>
        <translation>%1 Mrd.</translation>
    </message>
    <message>
        <source>%1 M</source>
        <translation>%1 Mio.</translation>
    </message>
    <message>
        <source>%1 K</source>
        <translation>%1 Tsd.</translation>
    </message>
</context>
<context>
    <name>lieq::ui::AboutDialog</name>
    <message>
        <source>About LieQ Workbench</source>
        <translation>Über LieQ Workbench</translation>
    </message>
    <message>
        <source>Version %1</source>
        <translation>Version %1</translation>
    </message>
    <message>
        <source>Layer-wise mixed-precision post-training quantization of small language models, after the LieQ method (arXiv 2508.03332).</source>
        <translation>Schichtweise Post-Training-Quantisierung kleiner Sprachmodelle mit gemischter Präzision, nach der LieQ-Methode (arXiv 2508.03332).</translation>
    </message>
    <message>
        <source>Built with Qt %1.</source>
        <translation>Erstellt mit Qt %1.</translation>
    </message>
</context>
<context>
    <name>lieq::ui::BudgetPanel</name>
    <message>
        <source>Budget</source>
        <translation>Budget</translation>
    </message>
    <message>
        <source>Average bits (decoder linears):</source>
        <translation>Mittlere Bits (Decoder-Linearschichten):</translation>
    </message>
    <message>
        <source>Allocation method:</source>
        <translation>Zuteilungsverfahren:</translation>
    </message>
    <message>
        <source>LieQ: top-scored layers get the high bit-width</source>
        <translation>LieQ: die bestbewerteten Schichten erhalten die hohe Bitbreite</translation>
    </message>
    <message>
        <source>Exact knapsack under the budget</source>
        <translation>Exakter Rucksack unter dem Budget</translation>
    </message>
    <message>
        <source>Greedy: nested, more budget never lowers a layer</source>
        <translation>Gierig: geschachtelt, mehr Budget senkt nie eine Schicht</translation>
    </message>
    <message>
        <source>Bit set:</source>
        <translation>Bit-Menge:</translation>
    </message>
    <message>
        <source>Per projection</source>
        <translation>Pro Projektion</translation>
    </message>
    <message>
        <source>Fused groups (q/k/v, gate/up share bits)</source>
        <translation>Fusionierte Gruppen (q/k/v, gate/up teilen Bits)</translation>
    </message>
    <message>
        <source>Group size (for effective bits and sizes):</source>
        <translation>Gruppengröße (für effektive Bits und Größen):</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>Symmetrisch</translation>
    </message>
    <message>
        <source>Click a bar (or right-click a layer in the table) to pin it.</source>
        <translation>Klicken Sie auf einen Balken (oder rechts auf eine Schicht in der Tabelle), um sie festzulegen.</translation>
    </message>
    <message>
        <source>Bits per layer</source>
        <translation>Bits pro Schicht</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>Lösen</translation>
    </message>
    <message>
        <source>Keep 16-bit</source>
        <translation>16 Bit behalten</translation>
    </message>
    <message>
        <source>Pin to %1-bit</source>
        <translation>Auf %1 Bit festlegen</translation>
    </message>
    <message>
        <source>Layer %1</source>
        <translation>Schicht %1</translation>
    </message>
    <message>
        <source>Open a model to plan its bits.</source>
        <translation>Öffnen Sie ein Modell, um seine Bits zu planen.</translation>
    </message>
    <message>
        <source>Nominal bits</source>
        <translation>Nominelle Bits</translation>
    </message>
    <message>
        <source>Upgraded units</source>
        <translation>Angehobene Einheiten</translation>
    </message>
    <message>
        <source>Effective bits (%1)</source>
        <translation>Effektive Bits (%1)</translation>
    </message>
    <message>
        <source>%1 file size</source>
        <translation>%1-Dateigröße</translation>
    </message>
    <message>
        <source>FP16 size</source>
        <translation>FP16-Größe</translation>
    </message>
    <message>
        <source>16-bit</source>
        <translation>16 Bit</translation>
    </message>
    <message>
        <source>%1-bit</source>
        <translation>%1 Bit</translation>
    </message>
    <message>
        <source>mixed</source>
        <translation>gemischt</translation>
    </message>
    <message>
        <source>layer (* pinned)</source>
        <translation>Schicht (* festgelegt)</translation>
    </message>
    <message>
        <source>bits</source>
        <translation>Bits</translation>
    </message>
</context>
<context>
    <name>lieq::ui::CorrelationView</name>
    <message>
        <source>dr (compactness)</source>
        <translation>dr (Kompaktheit)</translation>
    </message>
    <message>
        <source>ΔPPL</source>
        <translation>ΔPPL</translation>
    </message>
    <message>
        <source>ΔPPL vs dr across layers</source>
        <translation>ΔPPL gegen dr über die Schichten</translation>
    </message>
    <message>
        <source>Correlation needs ΔPPL and dr for at least 3 layers.</source>
        <translation>Die Korrelation braucht ΔPPL und dr für mindestens 3 Schichten.</translation>
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
        <translation>%1 Schichten; %2-%-Bootstrap-Intervalle, %3 Stichproben</translation>
    </message>
</context>
<context>
    <name>lieq::ui::ExportDialog</name>
    <message>
        <source>Exporting…</source>
        <translation>Exportiere…</translation>
    </message>
    <message>
        <source>Written:</source>
        <translation>Geschrieben:</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Bit plan (JSON)</source>
        <translation>Bit-Plan (JSON)</translation>
    </message>
    <message>
        <source>Layer metrics and plan report (JSON)</source>
        <translation>Schichtmetriken und Planbericht (JSON)</translation>
    </message>
    <message>
        <source>Layer metrics (CSV)</source>
        <translation>Schichtmetriken (CSV)</translation>
    </message>
    <message>
        <source>Model as F16 GGUF (llama.cpp)</source>
        <translation>Modell als F16-GGUF (llama.cpp)</translation>
    </message>
</context>
<context>
    <name>lieq::ui::ExportTarget</name>
    <message>
        <source>Export folder</source>
        <translation>Exportordner</translation>
    </message>
    <message>
        <source>Folder:</source>
        <translation>Ordner:</translation>
    </message>
    <message>
        <source>File name prefix:</source>
        <translation>Dateinamen-Präfix:</translation>
    </message>
</context>
<context>
    <name>lieq::ui::HistoryModel</name>
    <message>
        <source>analysis</source>
        <translation>Analyse</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>Quantisierung</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>Schichten</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
</context>
<context>
    <name>lieq::ui::HistoryPanel</name>
    <message>
        <source>analysis</source>
        <translation>Analyse</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>Quantisierung</translation>
    </message>
    <message>
        <source>nominal bits</source>
        <translation>nominelle Bits</translation>
    </message>
    <message>
        <source>effective bits</source>
        <translation>effektive Bits</translation>
    </message>
    <message>
        <source>bits per layer</source>
        <translation>Bits pro Schicht</translation>
    </message>
    <message>
        <source>wall time (s)</source>
        <translation>Laufzeit (s)</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>Lauf löschen</translation>
    </message>
    <message>
        <source>Delete the selected run and its results?</source>
        <translation>Den gewählten Lauf und seine Ergebnisse löschen?</translation>
    </message>
    <message>
        <source>%1 of %2 runs</source>
        <translation>%1 von %2 Läufen</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Filter by model name, path or fingerprint</source>
        <translation>Nach Modellname, Pfad oder Fingerabdruck filtern</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <source>All runs</source>
        <translation>Alle Läufe</translation>
    </message>
    <message>
        <source>Analysis</source>
        <translation>Analyse</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>Quantisierung</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Reopen</source>
        <translation>Wieder öffnen</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Vergleichen</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Select two runs and press Compare to see them side by side.</source>
        <translation>Wählen Sie zwei Läufe und drücken Sie „Vergleichen“, um sie nebeneinander zu sehen.</translation>
    </message>
    <message>
        <source>settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>perplexity</source>
        <translation>Perplexität</translation>
    </message>
    <message>
        <source>%1 acc</source>
        <translation>%1 Genauigkeit</translation>
    </message>
</context>
<context>
    <name>lieq::ui::JobRunner</name>
    <message>
        <source>Out of memory</source>
        <translation>Nicht genug Speicher</translation>
    </message>
    <message>
        <source>Internal error: %1</source>
        <translation>Interner Fehler: %1</translation>
    </message>
    <message>
        <source>Unknown internal error</source>
        <translation>Unbekannter interner Fehler</translation>
    </message>
</context>
<context>
    <name>lieq::ui::LayerChart</name>
    <message>
        <source>layer mean</source>
        <translation>Schichtmittel</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>Schicht</translation>
    </message>
    <message>
        <source>no data yet</source>
        <translation>noch keine Daten</translation>
    </message>
</context>
<context>
    <name>lieq::ui::LayerMetricsModel</name>
    <message>
        <source>16-bit</source>
        <translation>16 Bit</translation>
    </message>
    <message>
        <source>%1-bit</source>
        <translation>%1 Bit</translation>
    </message>
    <message>
        <source>Right-click a layer to pin it to a bit-width</source>
        <translation>Rechtsklick auf eine Schicht legt ihre Bitbreite fest</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>Schicht</translation>
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
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>Bits</translation>
    </message>
    <message>
        <source>Pinned</source>
        <translation>Festgelegt</translation>
    </message>
</context>
<context>
    <name>lieq::ui::LayerView</name>
    <message>
        <source>Layers</source>
        <translation>Schichten</translation>
    </message>
    <message>
        <source>Spectral metrics:</source>
        <translation>Spektrale Metriken:</translation>
    </message>
    <message>
        <source>Layer mean</source>
        <translation>Schichtmittel</translation>
    </message>
    <message>
        <source>Per projection</source>
        <translation>Pro Projektion</translation>
    </message>
    <message>
        <source>ΔPPL (layer removed)</source>
        <translation>ΔPPL (Schicht entfernt)</translation>
    </message>
    <message>
        <source>Compactness dr</source>
        <translation>Kompaktheit dr</translation>
    </message>
    <message>
        <source>Top-k energy ΔE</source>
        <translation>Top-k-Energie ΔE</translation>
    </message>
    <message>
        <source>Run analysis (F5)</source>
        <translation>Analyse starten (F5)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>lieq::ui::MainWindow</name>
    <message>
        <source>Memory: %1 (peak %2)</source>
        <translation>Speicher: %1 (Spitze %2)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Open model folder…</source>
        <translation>Modellordner ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Close model</source>
        <translation>Modell &amp;schließen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Werkzeuge</translation>
    </message>
    <message>
        <source>Cancel running job</source>
        <translation>Laufenden Auftrag abbrechen</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About LieQ Workbench</source>
        <translation>Ü&amp;ber LieQ Workbench</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the running job (Esc)</source>
        <translation>Laufenden Auftrag abbrechen (Esc)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>Liste leeren</translation>
    </message>
    <message>
        <source>LieQ Workbench</source>
        <translation>LieQ Workbench</translation>
    </message>
    <message>
        <source>Open model folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>Öffne %1…</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>%1 geöffnet</translation>
    </message>
    <message>
        <source>ETA %1 s</source>
        <translation>noch %1 s</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Exportieren…</translation>
    </message>
</context>
<context>
    <name>lieq::ui::MessageBar</name>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunComparison</name>
    <message>
        <source>stored run %1</source>
        <translation>gespeicherter Lauf %1</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>nominal bits</source>
        <translation>nominelle Bits</translation>
    </message>
    <message>
        <source>effective bits</source>
        <translation>effektive Bits</translation>
    </message>
    <message>
        <source>bits per layer</source>
        <translation>Bits pro Schicht</translation>
    </message>
    <message>
        <source>per row</source>
        <translation>pro Zeile</translation>
    </message>
    <message>
        <source>group size</source>
        <translation>Gruppengröße</translation>
    </message>
    <message>
        <source>symmetric</source>
        <translation>symmetrisch</translation>
    </message>
    <message>
        <source>act-order</source>
        <translation>Act-Order</translation>
    </message>
    <message>
        <source>calibration</source>
        <translation>Kalibrierung</translation>
    </message>
    <message>
        <source>%1 × %2 tokens</source>
        <translation>%1 × %2 Token</translation>
    </message>
    <message>
        <source>perplexity</source>
        <translation>Perplexität</translation>
    </message>
    <message>
        <source>%1 acc</source>
        <translation>%1 Genauigkeit</translation>
    </message>
    <message>
        <source>mean acc</source>
        <translation>mittlere Genauigkeit</translation>
    </message>
    <message>
        <source>% of FP16</source>
        <translation>% von FP16</translation>
    </message>
    <message>
        <source>size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>time (s)</source>
        <translation>Zeit (s)</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunQueue</name>
    <message>
        <source>No %1 backend in this build: the core pipeline for it is not available yet.</source>
        <translation>Kein %1-Backend in diesem Build: die Kern-Pipeline dafür ist noch nicht verfügbar.</translation>
    </message>
    <message>
        <source>quantizing</source>
        <translation>quantisiere</translation>
    </message>
    <message>
        <source>perplexity</source>
        <translation>Perplexität</translation>
    </message>
    <message>
        <source>saving</source>
        <translation>speichere</translation>
    </message>
    <message>
        <source>preparing</source>
        <translation>bereite vor</translation>
    </message>
    <message>
        <source>loading model</source>
        <translation>lade Modell</translation>
    </message>
    <message>
        <source>tokenizing</source>
        <translation>tokenisiere</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunQueueModel</name>
    <message>
        <source>quantize</source>
        <translation>quantisieren</translation>
    </message>
    <message>
        <source>evaluate</source>
        <translation>evaluieren</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>wartet</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>ETA %1 s</source>
        <translation>noch %1 s</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>Bits</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>PPL</source>
        <translation>PPL</translation>
    </message>
    <message>
        <source>% of FP16</source>
        <translation>% von FP16</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>stored #%1</source>
        <translation>gespeichert #%1</translation>
    </message>
    <message>
        <source>%1: acc %2%</source>
        <translation>%1: Genauigkeit %2 %</translation>
    </message>
    <message>
        <source>%1 items per task</source>
        <translation>%1 Beispiele pro Aufgabe</translation>
    </message>
    <message>
        <source>Mean zero-shot accuracy relative to the FP16 baseline</source>
        <translation>Mittlere Zero-Shot-Genauigkeit relativ zur FP16-Basis</translation>
    </message>
    <message>
        <source>FP16 perplexity / perplexity (no zero-shot tasks to compare)</source>
        <translation>FP16-Perplexität / Perplexität (keine Zero-Shot-Aufgaben zum Vergleich)</translation>
    </message>
    <message>
        <source>Estimated size of a GPTQ-layout checkpoint (none was saved)</source>
        <translation>Geschätzte Größe eines Checkpoints im GPTQ-Format (keiner gespeichert)</translation>
    </message>
    <message>
        <source>nominal %1, effective %2 bits</source>
        <translation>nominell %1, effektiv %2 Bit</translation>
    </message>
    <message>
        <source>Acc %</source>
        <translation>Gen. %</translation>
    </message>
</context>
<context>
    <name>lieq::ui::RunsPanel</name>
    <message>
        <source>Quantize with the current plan, then evaluate</source>
        <translation>Mit dem aktuellen Plan quantisieren, dann evaluieren</translation>
    </message>
    <message>
        <source>The quantization pipeline is not in this build yet</source>
        <translation>Die Quantisierungs-Pipeline ist in diesem Build noch nicht enthalten</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>Pareto-Front</translation>
    </message>
    <message>
        <source>Perplexity vs effective bits</source>
        <translation>Perplexität über effektive Bits</translation>
    </message>
    <message>
        <source>effective bits</source>
        <translation>effektive Bits</translation>
    </message>
    <message>
        <source>PPL</source>
        <translation>PPL</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Backend:</source>
        <translation>Backend:</translation>
    </message>
    <message>
        <source>Group:</source>
        <translation>Gruppe:</translation>
    </message>
    <message>
        <source>per row</source>
        <translation>pro Zeile</translation>
    </message>
    <message>
        <source>Symmetric</source>
        <translation>Symmetrisch</translation>
    </message>
    <message>
        <source>Act-order</source>
        <translation>Act-Order</translation>
    </message>
    <message>
        <source>Calibration samples:</source>
        <translation>Kalibrierproben:</translation>
    </message>
    <message>
        <source>Queue quantization</source>
        <translation>Quantisierung einreihen</translation>
    </message>
    <message>
        <source>Queue FP16 evaluation</source>
        <translation>FP16-Evaluation einreihen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Calibration windows of 512 tokens from the calibration data (Settings)</source>
        <translation>Kalibrierfenster zu 512 Token aus den Kalibrierdaten (Einstellungen)</translation>
    </message>
    <message>
        <source>Tasks (%1)</source>
        <translation>Aufgaben (%1)</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>Aufgaben</translation>
    </message>
    <message>
        <source>Zero-shot tasks scored after the perplexity</source>
        <translation>Zero-Shot-Aufgaben, nach der Perplexität bewertet</translation>
    </message>
    <message>
        <source>Set the standard data folder in Settings to score zero-shot tasks</source>
        <translation>Legen Sie in den Einstellungen den Ordner der Standarddaten fest, um Zero-Shot-Aufgaben zu bewerten</translation>
    </message>
    <message>
        <source>Items per task:</source>
        <translation>Beispiele pro Aufgabe:</translation>
    </message>
    <message>
        <source>all</source>
        <translation>alle</translation>
    </message>
    <message>
        <source>Save checkpoint</source>
        <translation>Checkpoint speichern</translation>
    </message>
    <message>
        <source>Write the quantized model as a checkpoint folder (it can then be exported)</source>
        <translation>Das quantisierte Modell als Checkpoint-Ordner schreiben (danach exportierbar)</translation>
    </message>
    <message>
        <source>Compare selected</source>
        <translation>Auswahl vergleichen</translation>
    </message>
    <message>
        <source>Select two runs to see them side by side</source>
        <translation>Wählen Sie zwei Läufe, um sie nebeneinander zu sehen</translation>
    </message>
    <message>
        <source>Select two runs and press Compare selected.</source>
        <translation>Wählen Sie zwei Läufe und drücken Sie „Auswahl vergleichen“.</translation>
    </message>
</context>
<context>
    <name>lieq::ui::SettingsDialog</name>
    <message>
        <source>Choose folder</source>
        <translation>Ordner wählen</translation>
    </message>
    <message>
        <source>Choose file</source>
        <translation>Datei wählen</translation>
    </message>
    <message>
        <source>SQLite database (*.sqlite *.db)</source>
        <translation>SQLite-Datenbank (*.sqlite *.db)</translation>
    </message>
    <message>
        <source>Text data (*.txt *.jsonl *.json);;All files (*)</source>
        <translation>Textdaten (*.txt *.jsonl *.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Threads:</source>
        <translation>Threads:</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <source>Calibration data:</source>
        <translation>Kalibrierdaten:</translation>
    </message>
    <message>
        <source>Evaluation data:</source>
        <translation>Evaluationsdaten:</translation>
    </message>
    <message>
        <source>Standard data sets:</source>
        <translation>Standard-Datensätze:</translation>
    </message>
    <message>
        <source>Experiment store:</source>
        <translation>Experimentspeicher:</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>Where analysis and runs compute: the GPU or the CPU</source>
        <translation>Wo Analyse und Läufe rechnen: GPU oder CPU</translation>
    </message>
    <message>
        <source>CUDA is not available: this libtorch has no CUDA or sees no GPU</source>
        <translation>CUDA ist nicht verfügbar: diese libtorch hat kein CUDA oder sieht keine GPU</translation>
    </message>
    <message>
        <source>Threads the engine uses for matrix work (analysis and runs)</source>
        <translation>Threads für die Matrixrechnung (Analyse und Läufe)</translation>
    </message>
</context>
<context>
    <name>lieq::ui::SummaryPanel</name>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>Architektur</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>Schichten</translation>
    </message>
    <message>
        <source>Hidden size</source>
        <translation>Verborgene Größe</translation>
    </message>
    <message>
        <source>Heads (KV)</source>
        <translation>Köpfe (KV)</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>Vokabular</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Decoder linear</source>
        <translation>Decoder-linear</translation>
    </message>
    <message>
        <source>Storage dtype</source>
        <translation>Speicher-Datentyp</translation>
    </message>
    <message>
        <source>Size on disk</source>
        <translation>Größe auf der Platte</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Dateien</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Fingerabdruck</translation>
    </message>
    <message numerus="yes">
        <source>%n tensor(s) in %1 file(s)</source>
        <translation>
            <numerusform>%n Tensor in %1 Datei(en)</numerusform>
            <numerusform>%n Tensoren in %1 Datei(en)</numerusform>
        </translation>
    </message>
    <message>
        <source>No model open</source>
        <translation>Kein Modell geöffnet</translation>
    </message>
</context>
<context>
    <name>lieq::ui::Workbench</name>
    <message>
        <source>Open a model first.</source>
        <translation>Öffnen Sie zuerst ein Modell.</translation>
    </message>
    <message>
        <source>Open a model and choose a plan first.</source>
        <translation>Öffnen Sie zuerst ein Modell und wählen Sie einen Plan.</translation>
    </message>
    <message>
        <source>Run %1: %2</source>
        <translation>Lauf %1: %2</translation>
    </message>
    <message>
        <source>Baseline PPL %1; run %2 %3 (%4 s)</source>
        <translation>Basis-PPL %1; Lauf %2 %3 (%4 s)</translation>
    </message>
    <message>
        <source>reused from the store</source>
        <translation>aus dem Speicher übernommen</translation>
    </message>
    <message>
        <source>stored</source>
        <translation>gespeichert</translation>
    </message>
    <message>
        <source>Analysis cancelled.</source>
        <translation>Analyse abgebrochen.</translation>
    </message>
    <message>
        <source>This build has no layer diagnostics module.</source>
        <translation>Dieser Build enthält kein Modul für Schichtdiagnosen.</translation>
    </message>
    <message>
        <source>%1 layers. Per-layer diagnostics appear here as they are computed, or reopen an analysis from History.</source>
        <translation>%1 Schichten. Die Diagnose jeder Schicht erscheint hier, sobald sie berechnet ist, oder öffnen Sie eine Analyse aus dem Verlauf.</translation>
    </message>
    <message>
        <source>Choose calibration data in Settings first.</source>
        <translation>Wählen Sie zuerst Kalibrierdaten in den Einstellungen.</translation>
    </message>
    <message>
        <source>Analysing %1…</source>
        <translation>Analysiere %1…</translation>
    </message>
</context>
</TS>
