"""``field__any=[...]``: membership as one array parameter, for long lists of ids.

``owner_id__in=team`` compiles one ``%s`` per value and prepares each value on every
``filter()`` and again on every compilation: for a regional manager's 104-person team that was
0.7 ms of each restricted query's Python, three times over on the home page. PostgreSQL plans
``IN (1, 2, 3)`` as ``= ANY('{1,2,3}')`` anyway, so the rows and the plan are the same.
"""

from django.db import models
from django.db.models import Lookup, Q
from django.db.models.expressions import Expression, F

# Shorter lists stay ``IN``: the SQL people read in logs, and no gain to speak of.
ANY_FROM = 8


class AnyOf(Lookup):
    """``column = ANY(%s)``: the values are sent as one array (empty: no rows).

    No cast: psycopg2 sends ``ARRAY[1, 2]`` or ``'{}'``, which PostgreSQL compares with the
    column's type (a cast to ``varchar(12)[]`` would cut a longer value down to a match)."""

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


# Foreign keys keep a lookup registry of their own (ForeignObject.get_class_lookups).
models.Field.register_lookup(AnyOf)
models.ForeignObject.register_lookup(AnyOf)


def with_arrays(condition: Q) -> Q:
    """``condition`` with each ``name__in`` over a long list of ids turned into
    ``name__any``: the same rows."""
    children = []
    changed = False
    for child in condition.children:
        if isinstance(child, Q):
            new = with_arrays(child)
            changed |= new is not child
            children.append(new)
            continue
        name, values = child
        if (
            name.endswith("__in")
            and isinstance(values, list | tuple | set | frozenset)
            and len(values) >= ANY_FROM
            and all(type(value) is int for value in values)
        ):
            children.append((name[: -len("__in")] + "__any", sorted(values)))
            changed = True
        else:
            children.append(child)
    if not changed:
        return condition
    return Q.create(children, connector=condition.connector, negated=condition.negated)


# The LIKE pattern each pattern lookup makes of a text (Django's PatternLookup.param_pattern).
_PATTERNS = {
    "contains": "%%%s%%",
    "icontains": "%%%s%%",
    "startswith": "%s%%",
    "istartswith": "%s%%",
    "endswith": "%%%s",
    "iendswith": "%%%s",
}


def like_pattern(lookup: str, text: str) -> str:
    """The parameter ``field__<lookup>=text`` sends: the text escaped for LIKE and wrapped."""
    from django.db import connection

    return _PATTERNS[lookup] % connection.ops.prep_for_like_query(text)


class ColumnsExpression(Expression):
    """An expression over fields of the queried model, named when it is made and resolved to
    their columns (``self.columns``) when the query is built: the base of the expressions
    that write their SQL in one node instead of a tree of functions and lookups (compiled on
    every search, the trees cost more Python than PostgreSQL spends on the query)."""

    def __init__(self, *names: str):
        super().__init__()
        self.names = names
        self.columns = []

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        resolved = self.copy()
        resolved.columns = [
            F(name).resolve_expression(query, allow_joins, reuse, summarize) for name in self.names
        ]
        return resolved


class PatternMatch(ColumnsExpression):
    """``field__<lookup>`` (``icontains``, ``startswith``...) written as the lookup writes
    it, with the LIKE pattern (``like_pattern``) passed to the database as it is.

    A search whose statement a list keeps per shape (ADR 0021) binds its own pattern into
    that parameter; the lookup would escape and wrap the value while compiling, and a
    statement compiled once could not take another text."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, field: str, lookup: str, pattern: str):
        super().__init__(field)
        self.lookup, self.pattern = lookup, pattern

    def as_sql(self, compiler, connection):
        column = self.columns[0]
        sql, params = compiler.compile(column)
        internal_type = column.output_field.get_internal_type()
        lhs = connection.ops.lookup_cast(self.lookup, internal_type) % sql
        rhs = connection.operators[self.lookup] % "%s"
        return f"{lhs} {rhs}", [*params, self.pattern]
