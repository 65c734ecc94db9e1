from django import template
from django.utils.safestring import SafeString

from search import topics
from search.chart import Chart

register = template.Library()


@register.simple_tag
def chart_bars(chart: Chart) -> SafeString:
    return topics.bars_svg(chart)


@register.simple_tag
def chart_rows(chart: Chart) -> SafeString:
    return topics.month_rows(chart)
