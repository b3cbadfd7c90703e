"""Pagination of every API list: cursors (stable under inserts, no COUNT over big tables)."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Cursor pages ordered by id; ``?page_size=`` up to 500."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
