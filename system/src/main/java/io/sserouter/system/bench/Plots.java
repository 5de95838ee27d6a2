package io.sserouter.system.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Bar charts of a results table as PNG, drawn with Java2D (headless). A table whose numeric columns share one unit
 * (the last word of their headers, e.g. "ms") becomes one grouped chart, a bar per row in each column's group;
 * any other table becomes small panels, one per numeric column, a horizontal bar per row.
 */
final class Plots {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);

    private Plots() {
    }

    /** Draws {@code table} into {@code png}; false when it has no numeric column to draw. */
    static boolean draw(String title, Report.Table table, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Integer> numeric = table.numericColumns();
        if (numeric.isEmpty() || table.rows().isEmpty()) {
            return false;
        }
        String unit = sharedUnit(table, numeric);
        BufferedImage image = unit != null && numeric.size() > 1 ? grouped(title, unit, table, numeric) : panels(title, table, numeric);
        ImageIO.write(image, "png", png.toFile());
        return true;
    }

    private static String sharedUnit(Report.Table table, List<Integer> numeric) {
        String unit = null;
        for (int column : numeric) {
            String header = table.header().get(column).trim();
            String last = header.substring(header.lastIndexOf(' ') + 1);
            if (unit != null && !unit.equals(last) || header.equals(last)) {
                return null;
            }
            unit = last;
        }
        return unit;
    }

    private static BufferedImage panels(String title, Report.Table table, List<Integer> numeric) {
        List<String> labels = table.labels();
        int columns = Math.min(3, numeric.size());
        int gridRows = (numeric.size() + columns - 1) / columns;
        int barHeight = 26;
        int panelWidth = 470;
        int panelHeight = 58 + labels.size() * (barHeight + 8);
        int width = columns * panelWidth + 20;
        int height = 60 + gridRows * (panelHeight + 14) + 10;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(image);
        drawTitle(g, title, width);
        FontMetrics text = g.getFontMetrics(TEXT);
        int labelWidth = labels.stream().mapToInt(text::stringWidth).max().orElse(0) + 12;
        for (int i = 0; i < numeric.size(); i++) {
            int column = numeric.get(i);
            int x0 = 10 + (i % columns) * panelWidth;
            int y0 = 60 + (i / columns) * (panelHeight + 14);
            g.setColor(new Color(0xf4f4f4));
            g.fillRect(x0, y0, panelWidth - 10, panelHeight);
            g.setFont(HEADING);
            g.setColor(Color.BLACK);
            g.drawString(fit(g, table.header().get(column), panelWidth - 24), x0 + 8, y0 + 22);
            double max = 0;
            for (List<String> row : table.rows()) {
                max = Math.max(max, Report.Table.number(row.get(column)));
            }
            int barX = x0 + 8 + labelWidth;
            int barSpace = panelWidth - 10 - 8 - labelWidth - 90;
            for (int r = 0; r < labels.size(); r++) {
                double value = Report.Table.number(table.rows().get(r).get(column));
                int y = y0 + 38 + r * (barHeight + 8);
                g.setFont(TEXT);
                g.setColor(Color.DARK_GRAY);
                g.drawString(labels.get(r), x0 + 8, y + barHeight - 8);
                if (Double.isNaN(value)) {
                    g.drawString("n/a", barX, y + barHeight - 8);
                    continue;
                }
                int length = max <= 0 ? 0 : (int) Math.round(barSpace * value / max);
                g.setColor(PALETTE[r % PALETTE.length]);
                g.fillRect(barX, y, Math.max(1, length), barHeight);
                g.setColor(Color.BLACK);
                g.drawString(format(value), barX + Math.max(1, length) + 6, y + barHeight - 8);
            }
        }
        g.dispose();
        return image;
    }

    private static BufferedImage grouped(String title, String unit, Report.Table table, List<Integer> numeric) {
        List<String> labels = table.labels();
        int barWidth = 34;
        int groupWidth = labels.size() * barWidth + 40;
        int plotLeft = 90;
        int plotTop = 100;
        int plotHeight = 380;
        int width = Math.max(640, plotLeft + numeric.size() * groupWidth + 40);
        int height = plotTop + plotHeight + 70;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(image);
        drawTitle(g, title, width);
        // legend
        g.setFont(TEXT);
        int lx = plotLeft;
        for (int r = 0; r < labels.size(); r++) {
            g.setColor(PALETTE[r % PALETTE.length]);
            g.fillRect(lx, 56, 16, 16);
            g.setColor(Color.BLACK);
            g.drawString(labels.get(r), lx + 22, 70);
            lx += g.getFontMetrics().stringWidth(labels.get(r)) + 50;
        }
        double max = 0;
        double min = Double.MAX_VALUE;
        for (List<String> row : table.rows()) {
            for (int column : numeric) {
                double v = Report.Table.number(row.get(column));
                if (!Double.isNaN(v) && v > 0) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        // values over more than two decades (latency percentiles) on a log axis, so the small ones stay visible
        boolean log = max > 0 && max / min > 100;
        Axis axis = log ? new Axis(Math.floor(Math.log10(min)), Math.ceil(Math.log10(max)), true) : new Axis(0, niceCeiling(max), false);
        int bottom = plotTop + plotHeight;
        g.setStroke(new BasicStroke(1));
        int ticks = log ? (int) (axis.high() - axis.low()) : 5;
        for (int t = 0; t <= ticks; t++) {
            int y = bottom - plotHeight * t / ticks;
            g.setColor(new Color(0xdddddd));
            g.drawLine(plotLeft, y, width - 20, y);
            g.setColor(Color.DARK_GRAY);
            String tick = (log ? format(Math.pow(10, axis.low() + t)) : format(axis.high() * t / 5)).replaceAll("\\.0+$|(\\.\\d*?)0+$", "$1");
            g.drawString(tick, plotLeft - 8 - g.getFontMetrics().stringWidth(tick), y + 5);
        }
        if (log) {
            g.drawString("(log scale)", plotLeft, plotTop - 10);
        }
        g.drawString(unit, 10, plotTop - 10);
        for (int i = 0; i < numeric.size(); i++) {
            int column = numeric.get(i);
            int gx = plotLeft + 20 + i * groupWidth;
            for (int r = 0; r < labels.size(); r++) {
                double v = Report.Table.number(table.rows().get(r).get(column));
                if (Double.isNaN(v)) {
                    continue;
                }
                int h = (int) Math.round(plotHeight * axis.fraction(v));
                g.setColor(PALETTE[r % PALETTE.length]);
                g.fillRect(gx + r * barWidth, bottom - h, barWidth - 4, Math.max(1, h));
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                String value = format(v);
                g.drawString(value, gx + r * barWidth + (barWidth - 4 - g.getFontMetrics().stringWidth(value)) / 2, bottom - h - 4);
            }
            g.setFont(HEADING);
            String header = table.header().get(column);
            String name = header.substring(0, header.length() - unit.length()).trim();
            g.drawString(name, gx + (labels.size() * barWidth - g.getFontMetrics().stringWidth(name)) / 2, bottom + 24);
        }
        g.setColor(Color.BLACK);
        g.drawLine(plotLeft, bottom, width - 20, bottom);
        g.dispose();
        return image;
    }

    /** A value axis: linear from low to high, or logarithmic from 10^low to 10^high. */
    private record Axis(double low, double high, boolean log) {
        double fraction(double v) {
            if (log) {
                return v <= 0 ? 0 : Math.max(0, (Math.log10(v) - low) / (high - low));
            }
            return high <= 0 ? 0 : v / high;
        }
    }

    private static Graphics2D canvas(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    private static void drawTitle(Graphics2D g, String title, int width) {
        g.setFont(TITLE);
        g.setColor(Color.BLACK);
        g.drawString(fit(g, title, width - 20), 10, 32);
    }

    private static String fit(Graphics2D g, String text, int width) {
        FontMetrics metrics = g.getFontMetrics();
        if (metrics.stringWidth(text) <= width) {
            return text;
        }
        String cut = text;
        while (!cut.isEmpty() && metrics.stringWidth(cut + "…") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "…";
    }

    private static double niceCeiling(double max) {
        if (max <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(max)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= max) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** Whole numbers exactly, others to three significant digits, thousands grouped: 4,983, 0.431, 12.4, 373,000. */
    static String format(double value) {
        if (value == 0) {
            return "0";
        }
        double abs = Math.abs(value);
        if (value == Math.rint(value) && abs < 1e6) {
            return String.format("%,.0f", value); // counts stay exact
        }
        if (abs >= 1000) {
            double rounded = Math.round(value / Math.pow(10, Math.floor(Math.log10(abs)) - 2)) * Math.pow(10, Math.floor(Math.log10(abs)) - 2);
            return String.format("%,.0f", rounded);
        }
        int decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
        return String.format("%." + decimals + "f", value);
    }
}
