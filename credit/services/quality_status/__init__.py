"""The quality-status analysis report (质量状况分析报告): its period and its figures."""

from __future__ import annotations

from credit.services.quality_status.periods import ReportPeriod, parse_period
from credit.services.quality_status.report import quality_status

__all__ = ["ReportPeriod", "parse_period", "quality_status"]
