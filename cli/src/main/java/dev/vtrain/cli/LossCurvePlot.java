package dev.vtrain.cli;

import dev.vtrain.train.EpochStats;
import dev.vtrain.train.History;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Loss curves with XChart: training and validation loss per epoch, accuracy on a second axis when
 * the task is classification, and the best epoch marked. PNG or SVG, chosen by the file extension;
 * written to a temporary file and renamed, so a reader never sees half a plot.
 */
final class LossCurvePlot {
    private LossCurvePlot() {}

    // XChart 4.0.3 deprecates both SVG entry points of VectorGraphicsEncoder without a replacement.
    @SuppressWarnings("deprecation")
    static void write(History h, Path file, boolean classification, String title)
            throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean svg = name.endsWith(".svg");
        if (!svg && !name.endsWith(".png")) {
            throw new IllegalArgumentException(
                    "--plot " + file + ": expected a .png or .svg file name");
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart =
                new XYChartBuilder()
                        .width(960)
                        .height(560)
                        .title(title)
                        .xAxisTitle("epoch")
                        .yAxisTitle("loss")
                        .build();
        org.knowm.xchart.style.XYStyler st = chart.getStyler();
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(225, 225, 225));
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        st.setXAxisTickLabelsFormattingFunction(x -> Long.toString(Math.round(x)));
        List<Double> epochs = new ArrayList<>();
        List<Double> trainLoss = new ArrayList<>();
        List<Double> valLoss = new ArrayList<>();
        List<Double> trainAcc = new ArrayList<>();
        List<Double> valAcc = new ArrayList<>();
        for (EpochStats e : h.epochs()) {
            epochs.add((double) e.epoch());
            trainLoss.add(e.trainLoss());
            valLoss.add(e.valLoss());
            trainAcc.add(e.trainAccuracy());
            valAcc.add(e.valAccuracy());
        }
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("No epochs to plot");
        }
        line(chart.addSeries("train loss", epochs, trainLoss), new Color(31, 119, 180), false);
        boolean hasVal = valLoss.stream().anyMatch(Double::isFinite);
        if (hasVal) {
            line(
                    chart.addSeries("validation loss", epochs, valLoss),
                    new Color(255, 127, 14),
                    false);
        }
        if (classification) {
            XYSeries ta = chart.addSeries("train accuracy", epochs, trainAcc);
            line(ta, new Color(31, 119, 180), true);
            ta.setYAxisGroup(1);
            if (hasVal) {
                XYSeries va = chart.addSeries("validation accuracy", epochs, valAcc);
                line(va, new Color(255, 127, 14), true);
                va.setYAxisGroup(1);
            }
            chart.setYAxisGroupTitle(1, "accuracy");
            st.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        int best = h.bestEpoch();
        if (best > 0) {
            double y = hasVal ? valLoss.get(best - 1) : trainLoss.get(best - 1);
            XYSeries b =
                    chart.addSeries(
                            "best epoch (" + best + ")", List.of((double) best), List.of(y));
            b.setMarker(SeriesMarkers.DIAMOND);
            b.setMarkerColor(new Color(214, 39, 40));
            b.setLineStyle(new BasicStroke(0f));
            b.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        if (svg) {
            VectorGraphicsEncoder.saveVectorGraphic(
                    chart, bytes, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } else {
            javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", bytes);
        }
        dev.vtrain.io.AtomicWrite.write(file, java.nio.ByteBuffer.wrap(bytes.toByteArray()));
    }

    private static void line(XYSeries s, Color c, boolean dashed) {
        s.setLineColor(c);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(
                dashed
                        ? new BasicStroke(
                                2f,
                                BasicStroke.CAP_BUTT,
                                BasicStroke.JOIN_MITER,
                                10f,
                                new float[] {6f, 4f},
                                0f)
                        : new BasicStroke(2.5f));
    }
}
