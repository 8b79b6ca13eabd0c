"""The French page of a 405: Django answers a method a view does not take (require_POST,
require_GET, a class view's http_method_names) with an empty HttpResponseNotAllowed."""

from django.shortcuts import render


class NotAllowedPageMiddleware:
    """Replaces an empty 405 by templates/405.html, keeping its Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
