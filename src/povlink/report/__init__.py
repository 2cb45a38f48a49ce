"""The integration report: what the city's lists add up to once persons and households are linked.

:func:`build_report` computes every figure in the engine and returns an :class:`IntegrationReport`
of DataFrames; :meth:`IntegrationReport.to_json` and :meth:`IntegrationReport.to_html` present the
same DataFrames as JSON and as one self-contained HTML page.
"""

from povlink.report._build import build_report
from povlink.report._model import IntegrationReport
from povlink.report._working import REGISTER_NAMES

__all__ = ["REGISTER_NAMES", "IntegrationReport", "build_report"]
