"""Django REST Framework views that hand out DataSync subscriptions.

A request carrying ``X-Snorky: Subscribe`` gets, besides the usual list, a
subscription token in the ``X-Subscription-Token`` response header. The
subscription is authorized *before* the query runs: Snorky keeps every delta
from the moment it returns the token, so a change made between the query and
the browser acquiring the token is still delivered, never lost.
"""

from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from rest_framework import generics, mixins

from . import authorize_subscription

__all__ = [
    "SubscribeModelMixin",
    "ListSubscribeModelMixin",
    "ListSubscribeAPIView",
    "ListSubscribeCreateAPIView",
    "subscription_in_response",
    "SUBSCRIBE_HEADER",
    "TOKEN_HEADER",
]

SUBSCRIBE_HEADER = "X-Snorky"
TOKEN_HEADER = "X-Subscription-Token"


class SubscribeModelMixin(object):
    """Which subscription items a view's data corresponds to."""

    dealer = None
    """Dealer name the subscription is bound to, if :meth:`get_dealer` is not redefined."""

    dealer_query = None
    """Query sent to the dealer, if :meth:`get_dealer_query` is not redefined."""

    def get_dealer(self):
        """The dealer name: ``dealer``, else the name of the view's model class."""
        if self.dealer:
            return self.dealer
        model = getattr(self, "model", None)
        if model is None and getattr(self, "queryset", None) is not None:
            model = self.queryset.model
        if model is None:
            raise ImproperlyConfigured(
                "%s needs a 'dealer' attribute or a get_dealer() method" % type(self).__name__
            )
        return model.__name__

    def get_dealer_query(self):
        """The query sent to the dealer: ``dealer_query`` by default."""
        return self.dealer_query

    def get_subscription_items(self):
        """Items sent to Snorky's ``authorizeSubscription``: by default one,
        ``get_dealer()`` with ``get_dealer_query()``."""
        return [{"dealer": self.get_dealer(), "query": self.get_dealer_query()}]

    def requested_subscription(self):
        """True when the request carries ``X-Snorky: Subscribe``."""
        return self.request.META.get("HTTP_X_SNORKY", "").strip().lower() == "subscribe"


def subscription_in_response(method):
    """Decorate a view method: authorize first, then build the response, then
    attach the token."""

    @wraps(method)
    def with_subscription(self, *args, **kwargs):
        if not self.requested_subscription():
            return method(self, *args, **kwargs)
        token = authorize_subscription(self.get_subscription_items())
        response = method(self, *args, **kwargs)
        response[TOKEN_HEADER] = token
        return response

    return with_subscription


class ListSubscribeModelMixin(SubscribeModelMixin, mixins.ListModelMixin):
    """A ``list()`` that understands the ``X-Snorky: Subscribe`` header."""

    @subscription_in_response
    def list(self, request, *args, **kwargs):
        return super(ListSubscribeModelMixin, self).list(request, *args, **kwargs)


class ListSubscribeAPIView(ListSubscribeModelMixin, generics.GenericAPIView):
    """Read-only list endpoint with subscription support."""

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class ListSubscribeCreateAPIView(ListSubscribeModelMixin, mixins.CreateModelMixin, generics.GenericAPIView):
    """List + create endpoint with subscription support."""

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)
