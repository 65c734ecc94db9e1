from django.http import HttpRequest


def query_without_page(request: HttpRequest) -> str:
    """The request's query string less `page`: what pagination links keep."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
