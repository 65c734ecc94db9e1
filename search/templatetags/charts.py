from django import template
from django.utils.safestring import SafeString

from search import topics
from search.chart import Chart

register = template.Library()


@register.simple_tag
def chart_bars(chart: Chart, search_query: str = "") -> SafeString:
    return topics.bars_svg(chart, search_query)


@register.simple_tag
def chart_rows(chart: Chart) -> SafeString:
    return topics.month_rows(chart)
