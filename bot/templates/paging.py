"""Which slice of a long list one reply shows (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """Page `page` of `pages` (from 0), holding items `first` up to `end` (excluded)."""

    page: int
    pages: int
    first: int
    end: int


def window(count: int, page: int, page_size: int) -> Window:
    """The page of `count` items that `page` asks for, clamped to the pages there are; an empty
    list still has one (empty) page."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, not {page_size}")
    pages = max(1, -(-count // page_size))
    page = min(max(page, 0), pages - 1)
    first = page * page_size
    return Window(page=page, pages=pages, first=first, end=min(first + page_size, count))
