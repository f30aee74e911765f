"""Bar charts drawn on the server as SVG, for the workspace's dashboard.

No JavaScript and no CDN: the view computes the bars, "gestion/includes/bar_chart.html"
draws them with a title and a description, and shows the same figures in a table (for
screen readers, and for whoever wants the numbers)."""

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 36


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str  # bar-reserved, bar-capacity, bar-in, bar-out, bar-credit
    values: list


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass
class BarChart:
    key: str
    title: str
    description: str
    categories: list
    series: list
    value_format: object = str
    bars: list = field(default_factory=list)
    labels: list = field(default_factory=list)  # (x, text) under each category
    ticks: list = field(default_factory=list)  # (y, text) on the left axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM

    @property
    def table_rows(self):
        """(category, [formatted value of each series])."""
        return [
            (category, [self.value_format(s.values[i]) for s in self.series])
            for i, category in enumerate(self.categories)
        ]


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    value_format=str,
    overlay_first: bool = False,
) -> BarChart:
    """Grouped bars per category; with overlay_first, the first series (e.g. the places)
    is drawn wide behind the others (the meals reserved)."""
    chart = BarChart(key, title, description, categories, series, value_format)
    top = max([Decimal(v) for s in series for v in s.values] + [Decimal(1)])
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(categories), 1)
    front = series[1:] if overlay_first else series
    bar_width = slot * 0.8 / max(len(front), 1)

    def height_of(value):
        return float(Decimal(value) / top) * plot_height

    for i, category in enumerate(categories):
        x0 = LEFT + i * slot + slot * 0.1
        if overlay_first:
            value = series[0].values[i]
            h = height_of(value)
            chart.bars.append(
                Bar(
                    x0,
                    HEIGHT - BOTTOM - h,
                    slot * 0.8,
                    h,
                    series[0].css_class,
                    f"{category} — {series[0].label} : {value_format(value)}",
                )
            )
        for j, one in enumerate(front):
            value = one.values[i]
            h = height_of(value)
            chart.bars.append(
                Bar(
                    x0 + j * bar_width,
                    HEIGHT - BOTTOM - h,
                    bar_width,
                    h,
                    one.css_class,
                    f"{category} — {one.label} : {value_format(value)}",
                )
            )
        step = max(1, round(len(categories) / 12))
        if i % step == 0:
            chart.labels.append((LEFT + i * slot + slot / 2, category))
    for fraction in (0, Decimal("0.5"), 1):
        chart.ticks.append(
            (HEIGHT - BOTTOM - float(fraction) * plot_height, value_format(top * fraction))
        )
    return chart
