"""Reports and statistics for the bureau (清单, 动态调整情况表, quarterly
report, self-check) and the console's dashboard."""

from govcore.reports.statistics import Overview, overview

__all__ = ["Overview", "overview"]
