from django.http import HttpRequest


def query_without_page(request: HttpRequest) -> str:
    """The request's query string less `page`: what pagination links keep."""
    return query_without(request, "page")


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string less these parameters."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
