"""Where a GeoReport report goes: the grid that takes it (:class:`Places`)."""

from __future__ import annotations

import re

from gridtui.api.hosted import HostedSource
from gridtui.api.open311.errors import GeoReportError, echo
from gridtui.api.open311.query import Location
from gridtui.data.sources.records import NodeRef

_DEPTH = {"city": 0, "district": 1, "street": 2, "community": 3, "grid": 4}


class Places:
    """Finds the grid that takes a report.

    In order: ``address_id`` naming a node's code; else, when grids have outlines
    loaded, ``lat``/``long``: the report names no grid (``""``) and the ticket service
    puts it in the grid whose outline holds the point, or leaves it unassigned outside
    every outline (:mod:`gridtui.data.writes.opening`); else the most specific node whose
    code or name (Chinese or English) occurs in ``address_string``; else the default
    intake grid. A node above grid level hands the report to its first grid by code
    (dedicated grids last); the default intake grid is the city's first such grid.
    """

    def __init__(self, source: HostedSource) -> None:
        self.source = source
        self._indexed: tuple[int, dict[str, NodeRef], list[tuple[str, NodeRef]]] | None = None

    def grid_for(self, where: Location) -> str:
        """The code of the grid that takes a report at ``where`` (``""``: placed by
        its coordinates).

        Raises:
            GeoReportError: 400 when ``address_id`` alone names no node, or the
                centre has no grid.
        """
        node: NodeRef | None = None
        if where.address_id:
            node = self._codes().get(where.address_id.casefold())
            if node is None and where.lat is None and not where.address:
                raise GeoReportError(
                    400, f"address_id {echo(where.address_id)} names no grid or area"
                )
        located = where.lat is not None and where.long is not None
        if node is None and located and self.source.places_by_location():
            return ""
        if node is None and where.address:
            node = self.in_text(where.address)
        return self._first_grid(node)

    def in_text(self, text: str) -> NodeRef | None:
        """The most specific node named in ``text``: the deepest level, then the longest
        name, then the lowest code. A name found only inside a longer name found
        (``Wanghu`` in ``Wanghu District``) does not count on its own."""
        low = text.casefold()
        hits = [(needle, node) for needle, node in self._needles() if _occurs(low, needle)]
        names = {needle for needle, _ in hits}
        ranked = [
            (-_DEPTH.get(node.level, 0), -len(needle), node.code, node)
            for needle, node in hits
            if not _only_inside(low, needle, [m for m in names if needle in m and m != needle])
        ]
        return min(ranked, key=lambda r: r[:3])[3] if ranked else None

    def _first_grid(self, node: NodeRef | None) -> str:
        if node is not None and node.level == "grid":
            return node.code
        code = self.source.intake_grid(node.id if node else None, node.level if node else None)
        if code is None:
            raise GeoReportError(400, "the centre has no grid to take reports")
        return code

    def _index(self) -> tuple[dict[str, NodeRef], list[tuple[str, NodeRef]]]:
        ref = self.source.reference()
        if self._indexed is None or self._indexed[0] != id(ref):
            codes = {n.code.casefold(): n for n in ref.nodes.values()}
            needles = [
                (needle, n)
                for n in ref.nodes.values()
                for needle in {n.code.casefold(), n.name.casefold(), n.name_en.casefold()}
                if len(needle) >= 2
            ]
            self._indexed = (id(ref), codes, needles)
        return self._indexed[1], self._indexed[2]

    def _codes(self) -> dict[str, NodeRef]:
        return self._index()[0]

    def _needles(self) -> list[tuple[str, NodeRef]]:
        return self._index()[1]


def _occurs(text: str, needle: str) -> bool:
    """``needle`` occurs in ``text`` (both casefolded); an ASCII needle as a whole word,
    with no ASCII letter or digit either side, so that the code ``LC`` does not match
    inside ``Walcott`` (Chinese has no word boundaries: a substring is enough)."""
    if needle not in text:
        return False
    if not needle.isascii():
        return True
    pattern = r"(?<![0-9a-z])" + re.escape(needle) + r"(?![0-9a-z])"
    return re.search(pattern, text) is not None


def _only_inside(text: str, needle: str, longer: list[str]) -> bool:
    """Every occurrence of ``needle`` in ``text`` lies inside one of ``longer``."""
    for name in sorted(longer, key=len, reverse=True):
        text = text.replace(name, "\0" * len(name))
    return not _occurs(text, needle)
