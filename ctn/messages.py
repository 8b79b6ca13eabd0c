"""The one-time messages (django.contrib.messages), their storage made only when used."""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, whose storage (a cookie signer and the session's) is made
    when a message is first added or read: a file, a redirect or JSON reads none.

    A storage nobody touched has nothing to save, so the response is left as Django's would
    leave it; a page that shows the messages (the context processor) makes it as before.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)
