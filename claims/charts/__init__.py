"""SVG charts of claims, computed on the server and drawn by the templates in templates/web/charts/.

``axes`` reads claims as intervals on a scale; ``drawing`` turns them into marks. Views call
the four builders below, each returning a ``Chart`` or ``None`` when there is nothing to draw.
"""

from claims.charts.drawing import (
    PALETTE,
    Chart,
    dispute_chart,
    fact_chart,
    grade_of,
    metric_chart,
)

__all__ = ["PALETTE", "Chart", "dispute_chart", "fact_chart", "grade_of", "metric_chart"]
