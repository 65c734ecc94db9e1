from django import template
from django.utils.safestring import SafeString

from search import mentions
from search.topics import Chart

register = template.Library()


@register.simple_tag
def chart_bars(chart: Chart) -> SafeString:
    return mentions.bars_svg(chart)


@register.simple_tag
def chart_rows(chart: Chart) -> SafeString:
    return mentions.month_rows(chart)
