"""Django connector: models that send DataSync deltas to Snorky by themselves.

Same public names as the original ``snorky.backend.django``:
``subscribable``, ``publish_deltas``, ``authorize_subscription``, and the
settings ``SNORKY_BACKEND_URL``, ``SNORKY_API_KEY``, ``SNORKY_DATASYNC_SERVICE``
(default ``"datasync_backend"``) and ``SNORKY_JSON_ENCODER`` (dotted path or
class; default Django's ``DjangoJSONEncoder``). Optional:
``SNORKY_BACKEND_TIMEOUT`` (seconds, default 10).

Differences from the original, all invisible to code that used it:

* deltas are sent after the transaction commits (``transaction.on_commit``),
  so a rolled-back change is never announced and subscribers never see data
  that is not yet readable;
* ``oldData`` of an update comes from a snapshot of the row as it was loaded
  (taken in ``from_db``), not from an extra SELECT on every save; the SELECT
  remains only as a fallback (hand-built instances, deferred fields);
* settings are read when needed, and a missing one raises
  ``ImproperlyConfigured`` naming it;
* the deltas of one transaction go out as one ``publishDeltas`` batch with a
  ``batchId``, from a background thread with retries (``delivery.py``): a
  save never waits for Snorky and never fails because of it; with
  ``SNORKY_OUTBOX = True`` they are written to an outbox table in the same
  transaction first (``snorky.backend.django.outbox``);
* every message is logged at DEBUG on the ``snorky`` logger; a batch that
  cannot be delivered is logged at ERROR there, never raised.
"""

import copy
import json
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import NOT_PROVIDED
from django.db.models.base import ModelState
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils.module_loading import import_string

from snorky.backend import DEFAULT_TIMEOUT, SnorkyBackend, SnorkyError, SnorkyHTTPTransport, SnorkyTransportError

__all__ = [
    "subscribable",
    "publish_deltas",
    "authorize_subscription",
    "get_backend",
    "model_to_json",
    "SubscriptionError",
]

logger = logging.getLogger("snorky")

DEFAULT_DATASYNC_SERVICE = "datasync_backend"
DEFAULT_JSON_ENCODER = "django.core.serializers.json.DjangoJSONEncoder"


class SubscriptionError(SnorkyError, RuntimeError):
    """Snorky refused ``authorizeSubscription`` (e.g. ``No such dealer``).

    Both a :class:`SnorkyError` and, as in the original, a ``RuntimeError``.
    """


# --- settings and the shared backend --------------------------------------

def _required_setting(name):
    value = getattr(settings, name, None)
    if not value:
        raise ImproperlyConfigured(
            "snorky.backend.django needs the %s setting (see docs/backend-django.md)" % name
        )
    return value


def _datasync_service():
    return getattr(settings, "SNORKY_DATASYNC_SERVICE", None) or DEFAULT_DATASYNC_SERVICE


def _json_encoder():
    encoder = getattr(settings, "SNORKY_JSON_ENCODER", None) or DEFAULT_JSON_ENCODER
    if isinstance(encoder, str):
        try:
            encoder = import_string(encoder)
        except ImportError as err:
            raise ImproperlyConfigured("SNORKY_JSON_ENCODER %r cannot be imported: %s" % (encoder, err))
    return encoder


class _EncoderJSON(object):
    """The ``json`` object handed to SnorkyBackend: dumps with the configured encoder."""

    def __init__(self, encoder):
        self.encoder = encoder

    def dumps(self, obj, **kwargs):
        kwargs["cls"] = self.encoder
        return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(text, **kwargs):
        return json.loads(text, **kwargs)


_backend_cache = {}


def get_backend():
    """The SnorkyBackend for the current settings (cached per settings, so the
    HTTP session and its keep-alive connection are reused)."""
    url = _required_setting("SNORKY_BACKEND_URL")
    key = _required_setting("SNORKY_API_KEY")
    timeout = getattr(settings, "SNORKY_BACKEND_TIMEOUT", None) or DEFAULT_TIMEOUT
    encoder = _json_encoder()
    cache_key = (url, key, timeout, encoder)
    backend = _backend_cache.get(cache_key)
    if backend is None:
        transport = SnorkyHTTPTransport(url, key=key, timeout=timeout)
        backend = SnorkyBackend(transport, json=_EncoderJSON(encoder))
        for stale in _backend_cache.values():  # settings changed: drop the old session
            stale.transport.close()
        _backend_cache.clear()
        _backend_cache[cache_key] = backend
    return backend


def __getattr__(name):
    # Module attributes of the original, computed lazily so that importing
    # this module never needs the settings.
    if name in ("snorky_backend", "http_transport"):
        backend = get_backend()
        return backend if name == "snorky_backend" else backend.transport
    if name == "SNORKY_DATASYNC_SERVICE":
        return _datasync_service()
    if name == "SNORKY_JSON_ENCODER":
        return _json_encoder()
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# --- RPC calls --------------------------------------------------------------

def publish_deltas(deltas, batch_id=None):
    """Send deltas to Snorky now (``publishDeltas`` of the DataSync backend service).

    With ``batch_id`` the call is retry-safe: Snorky delivers a batch id once
    within its dedup window. Raises :class:`snorky.backend.SnorkyError` or
    :class:`snorky.backend.SnorkyTransportError` on failure. Models decorated
    with :func:`subscribable` do not call this on the request: their deltas go
    through the background sender (``snorky.backend.django.delivery``).
    """
    params = {"deltas": deltas}
    if batch_id is not None:
        params["batchId"] = batch_id
    get_backend().call(_datasync_service(), "publishDeltas", **params)


def authorize_subscription(items):
    """Authorize a subscription and return its token.

    :param items: list of ``{"dealer": <dealer name>, "query": <JSON>}``.
    Raises :class:`SubscriptionError` when Snorky refuses.
    """
    try:
        return get_backend().call(_datasync_service(), "authorizeSubscription", items=items)
    except SnorkyError as err:
        raise SubscriptionError("Error from Snorky server: %s" % err.message)


# --- model JSON -------------------------------------------------------------

def model_to_json(instance):
    """Default JSON of a model instance: every concrete field by name (foreign
    keys as the related primary key), plus the primary key as ``id``."""
    data = {}
    for field in instance._meta.concrete_fields:
        data[field.name] = field.value_from_object(instance)
    data.setdefault("id", instance.pk)
    return data


def _jsonify(instance):
    return instance.jsonify()


def _take_snapshot(instance):
    """Remember the field values as they are in the database, when all are loaded."""
    if instance.get_deferred_fields():
        instance._snorky_snapshot = None  # partial row: fall back to a SELECT
        return
    values = {}
    for field in instance._meta.concrete_fields:
        value = instance.__dict__[field.attname]
        # Mutable values (JSONField) could be changed in place before saving.
        values[field.attname] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
    instance._snorky_snapshot = values


def _snapshot_instance(instance, values):
    """A detached instance holding the snapshot values, for ``jsonify()``."""
    cls = instance.__class__
    old = cls.__new__(cls)
    old.__dict__.update(values)
    old._state = ModelState()
    old._state.adding = False
    old._state.db = instance._state.db
    return old


def _old_data(sender, instance, using):
    """JSON of the row as stored before this save, or None when it is new."""
    values = getattr(instance, "_snorky_snapshot", None)
    if values is not None:
        return _jsonify(_snapshot_instance(instance, values))
    if instance.pk is None:
        return None
    if instance._state.adding and instance._meta.pk.default is not NOT_PROVIDED:
        return None  # primary key generated by a default: certainly an insert
    logger.debug("snorky: no snapshot of %s pk=%r, reading the old row", sender.__name__, instance.pk)
    row = sender._base_manager.using(using).filter(pk=instance.pk).first()
    return _jsonify(row) if row is not None else None


# --- signal handlers --------------------------------------------------------

def _check_settings():
    # Fail in save() itself, loudly, rather than later in an on-commit hook.
    _required_setting("SNORKY_BACKEND_URL")
    _required_setting("SNORKY_API_KEY")


def _publish_after_commit(delta, using):
    """Queue ``delta`` to go out with the other deltas of its transaction, as
    one batch, once (and only if) the transaction commits."""
    from snorky.backend.django import delivery

    delivery.add_delta(delta, using)


def handle_pre_save(sender, instance, raw, using, **kwargs):
    _check_settings()
    instance._snorky_old_data = _old_data(sender, instance, using)


def handle_post_save(sender, instance, created, raw, using, **kwargs):
    new_data = _jsonify(instance)
    old_data = instance.__dict__.pop("_snorky_old_data", None)
    if created or old_data is None:
        delta = {"type": "insert", "model": sender.__name__, "data": new_data}
    else:
        delta = {"type": "update", "model": sender.__name__, "newData": new_data, "oldData": old_data}
    _take_snapshot(instance)  # the instance now matches its row
    _publish_after_commit(delta, using)


def handle_pre_delete(sender, instance, using, **kwargs):
    _check_settings()
    data = _old_data(sender, instance, using)
    instance._snorky_old_data = data if data is not None else _jsonify(instance)


def handle_post_delete(sender, instance, using, **kwargs):
    data = instance.__dict__.pop("_snorky_old_data", None)
    if data is None:
        data = _jsonify(instance)
    instance._snorky_snapshot = None
    _publish_after_commit({"type": "delete", "model": sender.__name__, "data": data}, using)


def _wrap_loading(model_class):
    """Snapshot rows as they are loaded (from_db) and reloaded (refresh_from_db)."""
    own_from_db = model_class.__dict__.get("from_db")

    def from_db(cls, db, field_names, values):
        if own_from_db is not None:
            instance = own_from_db.__func__(cls, db, field_names, values)
        else:
            instance = super(model_class, cls).from_db(db, field_names, values)
        _take_snapshot(instance)
        return instance

    original_refresh = model_class.refresh_from_db

    def refresh_from_db(self, using=None, fields=None):
        original_refresh(self, using=using, fields=fields)
        values = self.__dict__.get("_snorky_snapshot")
        if fields is None:
            _take_snapshot(self)
        elif values is not None:
            # Only these fields were reloaded; the others may hold unsaved edits.
            for field in self._meta.concrete_fields:
                if field.attname in fields:
                    values[field.attname] = self.__dict__.get(field.attname)

    model_class.from_db = classmethod(from_db)
    model_class.refresh_from_db = refresh_from_db


def subscribable(model_class):
    """Class decorator: the model sends insert/update/delete deltas to Snorky
    (model name = class name) after each committed save or delete.

    The delta data is ``instance.jsonify()``; models without that method get
    :func:`model_to_json`. Bulk operations that bypass signals
    (``QuerySet.update``, ``bulk_create``) send nothing, as in the original.
    """
    pre_save.connect(handle_pre_save, sender=model_class, weak=False)
    post_save.connect(handle_post_save, sender=model_class, weak=False)
    pre_delete.connect(handle_pre_delete, sender=model_class, weak=False)
    post_delete.connect(handle_post_delete, sender=model_class, weak=False)
    if not hasattr(model_class, "jsonify"):
        model_class.jsonify = model_to_json
    _wrap_loading(model_class)
    return model_class
