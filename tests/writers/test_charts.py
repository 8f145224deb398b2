import xml.etree.ElementTree as ET

from grader.report.writers import charts

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[float]:
    return [float(r.get("height", "0")) for r in ET.fromstring(svg).iter(f"{SVG}rect")]


def test_histogram_counts_scores_per_bin_and_puts_full_marks_in_the_last():
    svg = charts.histogram([0.0, 1.0, 9.9, 10.0, 10.0], 10.0, 5, "total score")
    heights = bars(svg)
    assert len(heights) == 5
    tallest = max(heights)
    assert [round(h / tallest * 3) for h in heights] == [2, 0, 0, 0, 3]


def test_bar_chart_scales_shares_to_the_plot_height_and_escapes_labels():
    svg = charts.bar_chart(["<T1>", "T2"], [1.0, 0.5], "mean share")
    full, half = bars(svg)
    assert full == charts.PLOT_H and half == full / 2
    assert "&lt;T1&gt;" in svg and ET.fromstring(svg).find(f"{SVG}title") is not None


def test_empty_and_zero_inputs_still_draw_valid_svg():
    for svg in (charts.histogram([0.0], 10.0, 5, "x"), charts.bar_chart([], [], "y")):
        ET.fromstring(svg)
