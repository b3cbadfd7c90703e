"""API endpoints of record models (organisations, contacts...) through the one access policy.

The same rules as the pages apply (crm.core.access, crm.core.records):

* rows: ``restrict`` with the action of the request (view, change, delete); a row outside the
  user's scope does not exist for them (404);
* fields: a field HIDDEN for the user is absent from output and input, a READ_ONLY one is
  output only (sent in a write it is ignored); filtering, ordering or searching by a hidden
  field is refused or skipped;
* writes: only through record_create / record_update / record_delete, with optimistic locking
  (the body's ``version``; a stale one answers 409 with what changed meanwhile).

A viewset declares its model's queryset, serializer, ``filter_fields``, ``search_fields`` and
``ordering_fields``; wrap it in ``record_schema`` to document those in the OpenAPI schema.
"""

from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.fields import get_error_detail
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from crm.core import access
from crm.core.api.pagination import ApiCursorPagination
from crm.core.api.permissions import HasScope
from crm.core.records import (
    OutOfScope,
    RecordError,
    StaleRecord,
    record_create,
    record_delete,
    record_update,
)

UNKNOWN_FILTER = _("Unknown filter.")
UNKNOWN_ORDERING = _("Unknown ordering.")
VERSION_REQUIRED = _(
    "Send the version of the record you are changing (the “version” field of the record as "
    "you read it), so that changes saved meanwhile by someone else are not overwritten."
)

# The model permission each viewset action needs (the row rule is applied on top of it).
ACTION_PERMISSIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "partial_update": "change",
    "destroy": "delete",
}
# The row-rule action that selects the rows a viewset action may reach.
ROW_ACTIONS = {"partial_update": "change", "destroy": "delete"}


def _request_user(context):
    request = context.get("request") if context else None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# --- serializers ------------------------------------------------------------------------------


class PolicySerializerMixin:
    """Apply the request user's field policy to a ModelSerializer.

    HIDDEN fields are removed (from output and input), READ_ONLY ones made read-only (a value
    sent for them is ignored). Foreign keys are ids; those pointing to a model with a row rule
    accept only rows the user may see. Without a request (schema generation, shell) every field
    is kept.
    """

    def get_fields(self):
        fields = super().get_fields()
        user = _request_user(self.context)
        if user is None:
            return fields
        model = self.Meta.model
        for name, level in access.field_levels(user, model).items():
            field = fields.get(name)
            if field is None:
                continue
            if level == access.FieldLevel.HIDDEN:
                del fields[name]
            elif level == access.FieldLevel.READ_ONLY:
                field.read_only = True
                field.required = False
        registered = set(access.registered_models())
        for field in fields.values():
            queryset = getattr(field, "queryset", None)
            if not field.read_only and queryset is not None and queryset.model in registered:
                field.queryset = access.restrict(queryset, user, "view")
        return fields


class RecordSerializer(PolicySerializerMixin, serializers.ModelSerializer):
    """A record with ``id``, ``version``, ``created_at`` and ``updated_at`` always present.

    ``version`` is output, and accepted as input for optimistic locking (never written: the
    write path increments it).
    """

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The record's version. Send the version you read with a change: if the record was "
            "saved since, nothing is written and the answer is 409."
        ),
    )


# --- permissions ------------------------------------------------------------------------------


class HasModelPermission(BasePermission):
    """The user (an API key's service user too) needs the model permission of the action."""

    message = _("You are not allowed to do this.")

    def has_permission(self, request, view):
        action = ACTION_PERMISSIONS.get(getattr(view, "action", None) or "", "view")
        permission = access.permission_name(view.model, action)
        return bool(request.user and request.user.has_perm(permission))


# --- pagination -------------------------------------------------------------------------------


class RecordCursorPagination(ApiCursorPagination):
    """Cursor pages in the viewset's ordering (``?ordering=``; by id unless asked)."""

    def get_ordering(self, request, queryset, view):
        return view.get_ordering()


# --- viewsets ---------------------------------------------------------------------------------

# A search term -> a condition, or None when the term cannot match this way.
SearchBuilder = Callable[[str], Q | None]


def contains(lookup: str) -> SearchBuilder:
    return lambda term: Q(**{f"{lookup}__icontains": term})


def prefix(lookup: str) -> SearchBuilder:
    return lambda term: Q(**{f"{lookup}__startswith": term})


def exact(lookup: str, normalise: Callable[[str], str | None] = lambda term: term) -> SearchBuilder:
    def build(term):
        value = normalise(term)
        return Q(**{lookup: value}) if value else None

    return build


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create, change (PATCH only) and delete the rows of one record model.

    Declare on a subclass:

    * ``model``, ``serializer_class``, ``select_related`` (the relations the serializer reads);
    * ``filter_fields``: query parameter -> lookup, e.g. ``{"region": "region_id",
      "updated_since": "updated_at__gte"}``; the value is parsed by the model field;
    * ``search_fields``: ``[(model field, builder)]`` ORed for ``?search=``;
    * ``ordering_fields``: the fields ``?ordering=`` accepts (non-null ones: the cursor needs
      them); ``-name`` orders descending, ties by id.

    A filter, search or ordering on a field hidden for the user is unknown to them.
    """

    model = None
    select_related: tuple[str, ...] = ()
    filter_fields: dict[str, str] = {}
    search_fields: list[tuple[str, SearchBuilder]] = []
    ordering_fields: tuple[str, ...] = ("id",)
    required_scopes = {
        "GET": ["clients:read"],
        "HEAD": ["clients:read"],
        "OPTIONS": ["clients:read"],
        "POST": ["clients:write"],
        "PATCH": ["clients:write"],
        "DELETE": ["clients:write"],
    }
    permission_classes = [HasScope, HasModelPermission]
    pagination_class = RecordCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initial(self, request, *args, **kwargs):
        # PUT (a full replace) is not offered: say so before the scope check answers 403.
        if request.method.lower() not in self.http_method_names:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    # --- rows

    def get_queryset(self):
        queryset = self.model._default_manager.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        action = ROW_ACTIONS.get(self.action, "view")
        queryset = access.restrict(queryset, self.request.user, action)
        if self.action == "list":
            queryset = self.search(self.filter(queryset))
        return queryset

    def _hidden(self) -> set[str]:
        return access.hidden_fields(self.request.user, self.model)

    def _model_field(self, lookup: str):
        try:
            return self.model._meta.get_field(lookup.split("__")[0])
        except FieldDoesNotExist:
            return None

    def filter(self, queryset):
        hidden = self._hidden()
        for param, lookup in self.filter_fields.items():
            raw = self.request.query_params.get(param)
            if raw is None:
                continue
            field = self._model_field(lookup)
            if field is None or field.name in hidden:
                raise exceptions.ValidationError({param: [UNKNOWN_FILTER]})
            queryset = queryset.filter(**{lookup: self._filter_value(param, field, raw)})
        return queryset

    @staticmethod
    def _filter_value(param, field, raw: str):
        target = field.target_field if field.is_relation else field
        try:
            value = target.to_python(raw)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({param: error.messages}) from None
        if value is None:
            raise exceptions.ValidationError({param: [_("Give a value.")]})
        if hasattr(value, "tzinfo") and hasattr(value, "hour") and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def search(self, queryset):
        term = (self.request.query_params.get("search") or "").strip()
        if not term or not self.search_fields:
            return queryset
        hidden = self._hidden()
        condition = Q(pk__in=[])
        for name, build in self.search_fields:
            if name in hidden:
                continue  # searching by a hidden field would reveal its values
            part = build(term)
            if part is not None:
                condition |= part
        return queryset.filter(condition)

    def get_ordering(self) -> tuple[str, ...]:
        raw = (self.request.query_params.get("ordering") or "").strip()
        if not raw or raw in ("id", "-id"):
            return (raw or "id",)
        name = raw.removeprefix("-")
        if name not in self.ordering_fields or name in self._hidden():
            raise exceptions.ValidationError({"ordering": [UNKNOWN_ORDERING]})
        return (raw, "-id" if raw.startswith("-") else "id")

    def list(self, request, *args, **kwargs):
        self.get_ordering()  # refuse a bad ?ordering= before any query
        return super().list(request, *args, **kwargs)

    # --- writes

    def create_defaults(self) -> dict:
        """Server-side values of a new row (not subject to the field policy), e.g. the author."""
        return {}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = record_create(
            request.user, self.model, data=data, defaults=self.create_defaults()
        )
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise exceptions.ValidationError({"version": [VERSION_REQUIRED]})
        saved = record_update(request.user, instance, data=data, expected_version=version)
        return Response(self.get_serializer(saved).data)

    def perform_destroy(self, instance):
        record_delete(self.request.user, instance)

    # --- errors

    def handle_exception(self, exc):
        if isinstance(exc, StaleRecord):
            return Response(self.stale_body(exc), status=status.HTTP_409_CONFLICT)
        if isinstance(exc, OutOfScope):
            exc = exceptions.PermissionDenied(exc.message)
        elif isinstance(exc, RecordError):
            exc = exceptions.ValidationError({"detail": [exc.message]})
        elif isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(get_error_detail(exc))
        return super().handle_exception(exc)

    def stale_body(self, exc: StaleRecord) -> dict:
        """What the 409 answer says: the message, the current version and what changed
        meanwhile, in the fields the user may see."""
        return {
            "detail": str(exc.message),
            "version": getattr(exc.current, "version", None),
            "changes": [
                {"field": change.field, "value": change.value, "display": change.after}
                for change in exc.changes
            ],
        }


# --- schema -----------------------------------------------------------------------------------

STALE_RESPONSE = OpenApiResponse(
    description=(
        "The record was saved by someone else since the given version; nothing was written. "
        "The body has `detail`, the current `version` and `changes` "
        "([{field, value}], in the fields you may see)."
    )
)


def record_schema(viewset):
    """Document a RecordViewSet's filters, search and ordering, and its error answers."""
    parameters = [
        OpenApiParameter(
            param,
            OpenApiTypes.DATETIME if param.endswith("_since") else OpenApiTypes.STR,
            description=f"Filter: {lookup}",
        )
        for param, lookup in viewset.filter_fields.items()
    ]
    if viewset.search_fields:
        names = ", ".join(name for name, _build in viewset.search_fields)
        parameters.append(
            OpenApiParameter("search", OpenApiTypes.STR, description=f"Search by {names}")
        )
    parameters.append(
        OpenApiParameter(
            "ordering",
            OpenApiTypes.STR,
            description="One of: " + ", ".join(viewset.ordering_fields) + " (prefix - to reverse)",
        )
    )
    serializer = viewset.serializer_class
    return extend_schema_view(
        list=extend_schema(parameters=parameters),
        partial_update=extend_schema(
            responses={200: serializer, 400: None, 403: None, 404: None, 409: STALE_RESPONSE}
        ),
        create=extend_schema(responses={201: serializer, 400: None, 403: None}),
    )(viewset)
