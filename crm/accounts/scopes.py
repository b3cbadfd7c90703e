"""A user's scope: the org units, geographic regions, team and dealers their access covers.

Resolved once per request (one SQL round trip) and kept on the user object; each app's
``access.py`` turns it into a row filter on indexed columns (crm.core.access).
"""

from dataclasses import dataclass

from django.db import connection

from crm.accounts import roles

# Roles whose view covers the whole company, and those of them that may also change anything.
COMPANY_WIDE_VIEW = frozenset(
    {roles.ADMINISTRATOR, roles.HEAD_OF_SALES, roles.ANALYST, roles.MARKETER, roles.APPROVER}
)
COMPANY_WIDE_CHANGE = frozenset({roles.ADMINISTRATOR, roles.HEAD_OF_SALES, roles.APPROVER})
# Roles that may change every row of their territory, not only their team's.
TERRITORY_CHANGE = frozenset({roles.REGIONAL_MANAGER})
# Roles whose users act for a dealer or sub-dealer (dealers.DealerMembership).
DEALER_ROLES = frozenset({roles.DEALER, roles.SUB_DEALER})


@dataclass(frozen=True)
class Scope:
    """What one user's access covers, as id sets ready for ``__in`` filters."""

    user_id: int
    view_all: bool = False
    change_all: bool = False
    change_territory: bool = False
    outside: bool = False
    org_unit_ids: frozenset[int] = frozenset()
    region_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()  # the user and everyone below them
    dealer_ids: frozenset[int] = frozenset()  # organisations the user acts for (dealer cabinet)
    # Of those, the ones the user is a member of (a dealer's user: the dealer, not its
    # sub-dealers): rows that carry the dealer they fall under are matched by these alone.
    member_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    has_otp_device: bool = False
    # "app_label.model_name.field" → the levels of the field policies that apply to the user
    field_policies: tuple[tuple[str, int], ...] = ()
    # permission codename ("view_organisation") → ids of the rows lent to the user (guardian)
    grants: tuple[tuple[str, frozenset[int]], ...] = ()
    # "app_label.codename" of every model permission the user holds, their own and their
    # roles' (crm.accounts.backends.CrmModelBackend answers from it)
    permissions: frozenset[str] = frozenset()

    def granted(self, codename: str) -> frozenset[int]:
        for name, ids in self.grants:
            if name == codename:
                return ids
        return frozenset()


# One round trip per request for everything access needs: the user's roles, their model
# permissions, whether they have a second-factor device, the field policies of their roles and
# position, and the user's unit and the units below it; the regions of those units, or of the
# nearest unit above that has regions (an office inherits its region's territory); the user and
# everyone who reports to them, at any depth; the organisations a dealer's user acts for (the
# dealer of their membership and its sub-dealers; a sub-dealer's user: the sub-dealer alone).
# UNION (not UNION ALL) stops at cycles. A superuser's permissions are not read: they hold all.
_SCOPE_SQL = """
WITH RECURSIVE
me(unit_id) AS (SELECT org_unit_id FROM accounts_position WHERE id = %(position)s),
down(id) AS (
    SELECT unit_id FROM me
    UNION
    SELECT u.id FROM accounts_orgunit u JOIN down d ON u.parent_id = d.id
),
up(id, parent_id, depth) AS (
    SELECT u.id, u.parent_id, 0 FROM accounts_orgunit u JOIN me ON u.id = me.unit_id
    UNION
    SELECT u.id, u.parent_id, up.depth + 1 FROM accounts_orgunit u JOIN up ON u.id = up.parent_id
    WHERE up.depth < 50
),
team(id) AS (
    SELECT %(user)s::bigint
    UNION
    SELECT s.id FROM accounts_user s JOIN team t ON s.manager_id = t.id WHERE s.is_active
)
SELECT
    ARRAY(SELECT id FROM down),
    ARRAY(
        SELECT region_id FROM accounts_orgunit_regions WHERE orgunit_id IN (SELECT id FROM down)
        UNION
        SELECT region_id FROM accounts_orgunit_regions WHERE orgunit_id = (
            SELECT up.id FROM up
            WHERE EXISTS (SELECT 1 FROM accounts_orgunit_regions r WHERE r.orgunit_id = up.id)
            ORDER BY up.depth LIMIT 1
        )
    ),
    ARRAY(SELECT id FROM team),
    ARRAY(
        SELECT g.name FROM auth_group g JOIN accounts_user_groups ug ON ug.group_id = g.id
        WHERE ug.user_id = %(user)s
    ),
    EXISTS(SELECT 1 FROM otp_totp_totpdevice WHERE user_id = %(user)s AND confirmed)
        OR EXISTS(SELECT 1 FROM otp_static_staticdevice WHERE user_id = %(user)s AND confirmed),
    ARRAY(
        SELECT p.model || '.' || p.field || '=' || p.access FROM accounts_fieldpolicy p
        WHERE p.role_id IN (SELECT group_id FROM accounts_user_groups WHERE user_id = %(user)s)
           OR p.position_id = %(position)s
    ),
    ARRAY({grants}),
    ARRAY(
        SELECT m.organisation_id FROM dealers_dealermembership m WHERE m.user_id = %(user)s
        UNION
        SELECT s.id FROM dealers_dealermembership m
        JOIN clients_organisation d ON d.id = m.organisation_id AND d.kind = 'dealer'
        JOIN clients_organisation s ON s.parent_dealer_id = d.id
        WHERE m.user_id = %(user)s
    ),
    ARRAY(SELECT m.organisation_id FROM dealers_dealermembership m WHERE m.user_id = %(user)s),
    ARRAY(
        SELECT perm.app_label || '.' || perm.codename
        FROM ({permissions}) perm(app_label, codename)
        WHERE NOT %(superuser)s
    )
"""


# Stands for the user's id while the permissions query is compiled.
_ANY_USER = -1


def _permissions_sql() -> str:
    """SQL of the user's own and their roles' permissions (app label, codename), compiled by
    the ORM and run as a subquery of the scope query. Two small id subqueries: an OR across both
    joins multiplies rows first. Both of its parameters are the user's id."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    own = Permission.user_set.through.objects.filter(user_id=_ANY_USER)
    roles_of_user = Permission.group_set.field.model.user_set.through.objects.filter(
        user_id=_ANY_USER
    )
    granted = Permission.group_set.through.objects.filter(
        group__in=roles_of_user.values("group_id")
    )
    permissions = Permission.objects.filter(
        Q(pk__in=own.values("permission_id")) | Q(pk__in=granted.values("permission_id"))
    )
    rows = permissions.order_by().values_list("content_type__app_label", "codename")
    sql, params = rows.query.sql_with_params()
    if list(params) != [_ANY_USER, _ANY_USER]:
        raise AssertionError(f"Unexpected parameters of the permissions query: {params}")
    return sql.replace("%s", "%(user)s")


def _scope_sql() -> str:
    """The scope query, with the grant tables the access registry knows (built once)."""
    global _SCOPE_SQL_FULL
    if _SCOPE_SQL_FULL is None:
        from crm.core.access import grant_tables

        # Table names come from model metadata, never from input.
        parts = [
            f"SELECT p.codename || ':' || g.content_object_id FROM {table} g "  # noqa: S608
            f"JOIN auth_permission p ON p.id = g.permission_id WHERE g.user_id = %(user)s"
            for table in grant_tables()
        ]
        grants = " UNION ALL ".join(parts) or "SELECT NULL::text WHERE false"
        _SCOPE_SQL_FULL = _SCOPE_SQL.replace("{grants}", grants).replace(
            "{permissions}", _permissions_sql()
        )
    return _SCOPE_SQL_FULL


_SCOPE_SQL_FULL = None


# The query runs on every request; planning it took ~1.9 ms of its ~2.9 ms at the benchmark's
# size, so each database session prepares it once and then only executes it. The flag lives on
# the connection wrapper and is reset whenever Django opens a new session (connection_created).
_PREPARED = "crm_scope"


def reset_prepared(sender, connection, **kwargs) -> None:
    connection._crm_scope_prepared = False
    connection._crm_user_scope_prepared = False


def _execute_scope(cursor, position_id, user_id, superuser) -> tuple:
    if not getattr(connection, "_crm_scope_prepared", False):
        body = (
            _scope_sql()
            .replace("%(position)s", "$1")
            .replace("%(user)s", "$2")
            .replace("%(superuser)s", "$3")
        )
        # No parameters: the statement is sent as it is (no % placeholders left in it).
        cursor.execute(f"PREPARE {_PREPARED}(bigint, bigint, boolean) AS {body}")
        connection._crm_scope_prepared = True
    cursor.execute(f"EXECUTE {_PREPARED}(%s, %s, %s)", [position_id, user_id, superuser])
    return cursor.fetchone()


# The request's user and their scope in one statement (the session gives only the user's id):
# the scope query with the user's row as its FROM, its position and superuser flag read from
# that row. Saves the user's own SELECT and its ORM work on every request.
_PREPARED_USER = "crm_user_scope"
_SCOPE_COLUMNS = 10


def _user_fields():
    from django.contrib.auth import get_user_model

    return get_user_model()._meta.concrete_fields


def _user_scope_sql() -> str:
    from django.contrib.auth import get_user_model

    table = get_user_model()._meta.db_table
    columns = ", ".join(f'me_user."{field.column}"' for field in _user_fields())
    of_user = f'(SELECT {{}} FROM "{table}" WHERE id = $1)'  # noqa: S608 (model metadata)
    body = (
        _scope_sql()
        .replace("%(position)s", of_user.format("position_id"))
        .replace("%(user)s", "$1")
        .replace("%(superuser)s", of_user.format("is_superuser"))
    )
    head, _sep, select = body.rpartition("\nSELECT\n")
    return (
        f"{head}\nSELECT\n{select}, {columns}, {_saved_views_sql()}\n"
        f'FROM "{table}" me_user WHERE me_user.id = $1'
    )


# The user's saved list views (crm.core SavedView: filters, sort, columns) come with the user:
# every list page reads them, and as a statement of their own they cost a list page 0.6 ms of
# its ~6.5 (compiling, a round trip, instances) for a table that is mostly empty. The rows are
# the user's own, as SavedView's row rule (PersonalRows) gives them; a test holds the two equal.
# In the model's field order, the user left out (it is the loaded user).
SAVED_VIEW_FIELDS = ("id", "list_key", "name", "query", "columns", "is_default")


def _saved_views_sql() -> str:
    from crm.core.models import SavedView

    meta = SavedView._meta
    values = ", ".join(f'v."{meta.get_field(name).column}"' for name in SAVED_VIEW_FIELDS)
    order = ", ".join(
        f'v."{meta.get_field(name.lstrip("-")).column}"' + (" DESC" if name[0] == "-" else "")
        for name in meta.ordering
    )
    user = meta.get_field("user").column
    return (
        f"(SELECT coalesce(json_agg(json_build_array({values}) ORDER BY {order}), '[]') "  # noqa: S608 (model metadata)
        f'FROM "{meta.db_table}" v WHERE v."{user}" = $1)'
    )


def load_user(user_id):
    """The user with this id, their scope already resolved (``scope_of`` answers without a
    query); None when there is no such user."""
    from django.contrib.auth import get_user_model

    with connection.cursor() as cursor:
        if not getattr(connection, "_crm_user_scope_prepared", False):
            cursor.execute(f"PREPARE {_PREPARED_USER}(bigint) AS {_user_scope_sql()}")
            connection._crm_user_scope_prepared = True
        cursor.execute(f"EXECUTE {_PREPARED_USER}(%s)", [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    model = get_user_model()
    values = list(row[_SCOPE_COLUMNS:-1])
    for index, field in enumerate(_user_fields()):
        # What the ORM would apply to each column (none for today's fields).
        column = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        ):
            values[index] = convert(values[index], column, connection)
    user = model.from_db(connection.alias, [field.attname for field in _user_fields()], values)
    user._crm_scope = _scope_from_row(user, row[:_SCOPE_COLUMNS])
    user._crm_saved_views = row[-1]
    return user


def saved_views(user, list_key: str) -> list | None:
    """The user's saved views of one list as read with the user (``load_user``), in the
    model's order; None when the user was not loaded that way (the caller queries)."""
    loaded = getattr(user, "_crm_saved_views", None)
    if loaded is None:
        return None
    from crm.core.models import SavedView

    # from_db takes the values in the model's field order: id, user, then the rest.
    names = ("id", "user_id", *SAVED_VIEW_FIELDS[1:])
    return [
        SavedView.from_db(connection.alias, names, [values[0], user.pk, *values[1:]])
        for values in loaded
        if values[1] == list_key
    ]


def resolve_scope(user) -> Scope:
    """Compute the user's scope from their roles, position and line-management chain."""
    with connection.cursor() as cursor:
        row = _execute_scope(cursor, user.position_id, user.pk, user.is_superuser)
    return _scope_from_row(user, row)


def _scope_from_row(user, row) -> Scope:
    (
        unit_ids,
        region_ids,
        team_ids,
        role_names,
        has_device,
        policies,
        grant_rows,
        dealers,
        members,
        permissions,
    ) = row
    codes = frozenset(role_names or ())
    outside = bool(codes & roles.OUTSIDE_ROLES)
    parsed = []
    for entry in policies or ():
        key, _sep, level = entry.rpartition("=")
        parsed.append((key, int(level)))
    grants: dict[str, set[int]] = {}
    for entry in grant_rows or ():
        codename, _sep, object_id = entry.rpartition(":")
        grants.setdefault(codename, set()).add(int(object_id))
    return Scope(
        user_id=user.pk,
        view_all=user.is_superuser or (not outside and bool(codes & COMPANY_WIDE_VIEW)),
        change_all=user.is_superuser or (not outside and bool(codes & COMPANY_WIDE_CHANGE)),
        change_territory=bool(codes & TERRITORY_CHANGE),
        outside=outside,
        org_unit_ids=frozenset(unit_ids or ()) if not outside else frozenset(),
        region_ids=frozenset(region_ids or ()) if not outside else frozenset(),
        team_ids=frozenset(team_ids or ()),
        dealer_ids=frozenset(dealers or ()) if codes & DEALER_ROLES else frozenset(),
        member_ids=frozenset(members or ()) if codes & DEALER_ROLES else frozenset(),
        roles=codes,
        has_otp_device=bool(has_device),
        field_policies=tuple(parsed),
        grants=tuple((name, frozenset(ids)) for name, ids in grants.items()),
        permissions=frozenset(permissions or ()),
    )


def scope_of(user) -> Scope:
    """The user's scope, resolved on first use in this request and kept on the user object."""
    scope = getattr(user, "_crm_scope", None)
    if scope is None:
        scope = resolve_scope(user)
        user._crm_scope = scope
    return scope
