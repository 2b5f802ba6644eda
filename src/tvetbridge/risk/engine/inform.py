"""The INFORM Risk Index (JRC), 2021 edition: a declarative tree and a vectorised engine.

Pure NumPy: no Django. The tree and its rules were worked out from the published 2021 file
(``data/INFORM_2021.csv``) and the INFORM methodology; every rule below is checked against that
file for all 191 countries by ``tests/risk/test_inform.py``.

Aggregation rules used by INFORM 2021 (all on the 0-10 scale, 10 = worst):

``arithmetic``
    weighted mean of the children present.
``geometric_complement``
    the complements ``10 - x`` are mapped linearly onto 1-10 (``1 + 0.9 (10 - x)``), their geometric
    mean is taken and mapped back. A single child near 10 pulls the parent towards 10 (little
    compensation), which is how INFORM combines hazards and the vulnerability and coping categories;
    the 1-10 mapping keeps one child at 10 from forcing the parent to exactly 10. The 0.9 factor is
    not a guess: the naive ``11 - GM(11 - x)`` (a plain +1 shift) overestimates 81 published
    categories by 0.05-0.1 with every error of the same sign, while the 1-10 mapping reproduces every
    category of the file from its published children exactly.
``geometric``
    plain geometric mean, used for INFORM RISK = (H&E x V x LCC)^(1/3).
``conflict``
    human hazard: ``max(current conflict intensity, factor x projected conflict risk)``, factor 0.7.
    Children are ordered (current, projected).

Missing children (NaN) are dropped from a node and the weights of the others are renormalised;
a node with no child present is missing.

INFORM publishes every level rounded to one decimal (spreadsheet rounding, half away from zero) and
computes each level from the *rounded* level below. Reproducing the file needs that: without it the
bottom-up recomputation drifts by up to a rounding step at the top.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

__all__ = [
    "AGGREGATIONS",
    "INFORM_2021",
    "InformModel",
    "InformNode",
    "InformResult",
    "InformTable",
    "compute_inform",
    "load_inform_2021",
    "risk_class",
    "round_half_up",
]

AGGREGATIONS = ("arithmetic", "geometric_complement", "geometric", "conflict")

# Float products such as 7.15 land a hair below the half; this nudges them to where a decimal
# spreadsheet would round them.
_ROUND_EPS = 1e-9


def round_half_up(x: np.ndarray, decimals: int = 1) -> np.ndarray:
    """Round half away from zero (spreadsheet ``ROUND``), keeping NaN; a value that rounds to zero is
    +0.0 (``sign(x) * 0`` would give -0.0 for a tiny negative, shown as "-0.0")."""
    x = np.asarray(x, dtype=float)
    scale = 10.0**decimals
    return np.asarray(np.sign(x) * np.floor(np.abs(x) * scale + 0.5 + _ROUND_EPS) / scale + 0.0)


@dataclass(frozen=True)
class InformNode:
    """One aggregated level: a name, its children (node or component names) and the rule."""

    name: str
    children: tuple[str, ...]
    aggregation: str
    weights: tuple[float, ...] | None = None
    factor: float = 0.7  # only for ``conflict``

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation: {self.aggregation!r} for node {self.name!r} is not one of {AGGREGATIONS}")
        if not self.children:
            raise ValueError(f"children: node {self.name!r} has none")
        if self.weights is not None:
            if len(self.weights) != len(self.children):
                raise ValueError(f"weights: node {self.name!r} has {len(self.weights)} weights "
                                 f"for {len(self.children)} children")
            if any(not np.isfinite(w) or w <= 0 for w in self.weights):
                raise ValueError(f"weights: node {self.name!r} needs positive weights")
        if self.aggregation == "conflict" and len(self.children) != 2:
            raise ValueError(f"children: conflict node {self.name!r} needs (current, projected)")


@dataclass(frozen=True)
class InformModel:
    """A whole INFORM tree: its nodes, root and the class thresholds applied to the root."""

    nodes: tuple[InformNode, ...]
    root: str
    # (lower bound, label) pairs in ascending order; a score takes the last label whose bound it reaches.
    classes: tuple[tuple[float, str], ...]
    _by_name: dict[str, InformNode] = field(init=False, repr=False, compare=False)
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _leaves: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, InformNode] = {}
        for node in self.nodes:
            if node.name in by_name:
                raise ValueError(f"nodes: {node.name!r} is defined twice")
            by_name[node.name] = node
        if self.root not in by_name:
            raise ValueError(f"root: unknown node {self.root!r}")
        bounds = [b for b, _ in self.classes]
        if not self.classes or bounds != sorted(bounds):
            raise ValueError("classes: need ascending (lower bound, label) pairs")

        order: list[str] = []
        leaves: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, path: tuple[str, ...]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                raise ValueError(f"nodes: cycle through {' -> '.join(path + (name,))}")
            if name not in by_name:
                if name not in leaves:
                    leaves.append(name)
                state[name] = 2
                return
            state[name] = 1
            for child in by_name[name].children:
                visit(child, path + (name,))
            state[name] = 2
            order.append(name)

        visit(self.root, ())
        unreachable = set(by_name) - set(order)
        if unreachable:
            raise ValueError(f"nodes: not reachable from the root: {sorted(unreachable)}")
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_order", tuple(order))
        object.__setattr__(self, "_leaves", tuple(leaves))

    @property
    def leaves(self) -> tuple[str, ...]:
        """Lowest-level components, in tree order."""
        return self._leaves

    @property
    def order(self) -> tuple[str, ...]:
        """Aggregated nodes, children before parents (root last)."""
        return self._order

    def node(self, name: str) -> InformNode:
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"node: unknown INFORM node {name!r}") from None


INFORM_2021 = InformModel(
    nodes=(
        InformNode("Natural", ("Earthquake", "Flood", "Tsunami", "Tropical Cyclone", "Drought", "Epidemic"),
                   "geometric_complement"),
        InformNode("Human", ("Current Highly Violent Conflict Intensity", "Projected Conflict Risk"), "conflict"),
        InformNode("HAZARD & EXPOSURE", ("Natural", "Human"), "geometric_complement"),
        InformNode("Socio-Economic Vulnerability",
                   ("Development & Deprivation", "Inequality", "Economic Dependency"), "arithmetic",
                   weights=(2.0, 1.0, 1.0)),
        InformNode("Other Vulnerable Groups",
                   ("Health Conditions", "Children U5", "Recent Shocks", "Food Security"), "geometric_complement"),
        InformNode("Vulnerable Groups", ("Uprooted people", "Other Vulnerable Groups"), "geometric_complement"),
        InformNode("VULNERABILITY", ("Socio-Economic Vulnerability", "Vulnerable Groups"), "geometric_complement"),
        InformNode("Institutional", ("DRR", "Governance"), "arithmetic"),
        InformNode("Infrastructure", ("Communication", "Physical infrastructure", "Access to health care"),
                   "arithmetic"),
        InformNode("LACK OF COPING CAPACITY", ("Institutional", "Infrastructure"), "geometric_complement"),
        InformNode("INFORM RISK", ("HAZARD & EXPOSURE", "VULNERABILITY", "LACK OF COPING CAPACITY"), "geometric"),
    ),
    root="INFORM RISK",
    classes=((0.0, "Very Low"), (2.0, "Low"), (3.5, "Medium"), (5.0, "High"), (6.5, "Very High")),
)


def _aggregate(node: InformNode, kids: np.ndarray) -> np.ndarray:
    """Aggregate children stacked on the last axis; NaN children are left out."""
    present = ~np.isnan(kids)
    if node.aggregation == "conflict":
        current, projected = kids[..., 0], kids[..., 1]
        with np.errstate(invalid="ignore"):
            out = np.fmax(current, node.factor * projected)
        return np.asarray(out)
    w = np.ones(kids.shape[-1]) if node.weights is None else np.asarray(node.weights, dtype=float)
    w = np.where(present, w, 0.0)
    wsum = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if node.aggregation == "arithmetic":
            out = (np.where(present, kids, 0.0) * w).sum(-1) / wsum
        elif node.aggregation == "geometric_complement":
            # complement (10 - x) mapped onto 1-10 so a child at 10 gives log(1) = 0, not log(0)
            logs = np.log(1.0 + 0.9 * (10.0 - np.where(present, kids, 0.0)))
            out = 10.0 - (np.exp((logs * w).sum(-1) / wsum) - 1.0) / 0.9
        else:  # geometric
            logs = np.log(np.where(present, kids, 1.0))
            out = np.exp((logs * w).sum(-1) / wsum)
    # Every level lies on the 0-10 scale; the complement mapping lands a few ulps outside it when all
    # children sit at a bound (10 - 9/0.9 = -1.8e-15), which rounding would turn into -0.0.
    return np.where(wsum > 0, np.clip(out, 0.0, 10.0), np.nan)


def risk_class(scores: np.ndarray | Sequence[float], *, model: InformModel = INFORM_2021) -> np.ndarray:
    """Class labels for root scores (rounded to one decimal first, as INFORM publishes them)."""
    s = round_half_up(np.asarray(scores, dtype=float))
    bounds = np.array([b for b, _ in model.classes])
    labels = np.array([lab for _, lab in model.classes] + [""], dtype=object)
    idx = np.searchsorted(bounds, s, side="right") - 1
    idx = np.where(np.isnan(s), len(model.classes), np.clip(idx, 0, len(model.classes) - 1))
    return labels[idx]


@dataclass(frozen=True)
class InformResult:
    """Every level of the index for each country (NaN where nothing was present to aggregate).

    ``missing_dimensions`` names, per country, the dimensions (children of the root) with no value at
    all: the root is then aggregated from the others only, so the score is incomplete and must say so.
    """

    countries: tuple[str, ...]
    names: tuple[str, ...]
    values: np.ndarray  # (n_countries, n_names), read-only
    risk_class: tuple[str, ...]
    missing_dimensions: tuple[tuple[str, ...], ...] = ()

    @property
    def incomplete(self) -> np.ndarray:
        """True for countries with at least one whole dimension missing."""
        return np.array([bool(m) for m in self.missing_dimensions], dtype=bool)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.values[:, self.names.index(name)]
        except ValueError:
            raise ValueError(f"node: unknown INFORM node {name!r}") from None


def compute_inform(
    components: Mapping[str, Sequence[float] | np.ndarray],
    *,
    countries: Sequence[str] | None = None,
    model: InformModel = INFORM_2021,
    round_each_level: bool = True,
) -> InformResult:
    """Compute every aggregated level of ``model`` from its lowest-level components.

    ``components`` maps each leaf name to one value per country (NaN or None = missing). All
    leaves must be given; values must lie in 0-10. With ``round_each_level`` each level is rounded
    to one decimal before feeding the next, as INFORM does.
    """
    leaves = model.leaves
    unknown = [name for name in components if name not in leaves]
    if unknown:
        known_nodes = [n for n in unknown if n in model.order]
        if known_nodes:
            raise ValueError(f"components: {known_nodes} are aggregated levels, not lowest-level components")
        raise ValueError(f"components: unknown INFORM component(s) {unknown}")
    absent = [name for name in leaves if name not in components]
    if absent:
        raise ValueError(f"components: missing lowest-level component(s) {absent}")

    cols = []
    n = None
    for name in leaves:
        raw = components[name]
        col = np.array([np.nan if v is None else v for v in raw], dtype=float) if not isinstance(
            raw, np.ndarray) else np.asarray(raw, dtype=float)
        if col.ndim != 1:
            raise ValueError(f"{name}: expected one value per country, got shape {col.shape}")
        if n is None:
            n = col.shape[0]
        elif col.shape[0] != n:
            raise ValueError(f"{name}: {col.shape[0]} values, expected {n}")
        bad = np.flatnonzero(~np.isnan(col) & ((col < 0) | (col > 10) | ~np.isfinite(col)))
        if bad.size:
            i = int(bad[0])
            who = countries[i] if countries is not None and i < len(countries) else f"row {i}"
            raise ValueError(f"{name}: value {col[i]!r} for {who} is outside 0-10")
        cols.append(col)
    assert n is not None
    if countries is None:
        countries = tuple(str(i) for i in range(n))
    elif len(countries) != n:
        raise ValueError(f"countries: {len(countries)} names for {n} rows")

    values: dict[str, np.ndarray] = dict(zip(leaves, cols, strict=True))
    for name in model.order:
        node = model.node(name)
        kids = np.stack([values[c] for c in node.children], axis=-1)
        out = _aggregate(node, kids)
        values[name] = round_half_up(out) if round_each_level else out

    names = tuple(leaves) + model.order
    table = np.stack([values[nm] for nm in names], axis=1)
    table.setflags(write=False)
    classes = tuple(str(c) for c in risk_class(values[model.root], model=model))
    dimensions = model.node(model.root).children
    gaps = np.column_stack([np.isnan(values[d]) for d in dimensions])
    missing = tuple(tuple(d for d, gap in zip(dimensions, row, strict=True) if gap) for row in gaps)
    return InformResult(countries=tuple(countries), names=names, values=table, risk_class=classes,
                        missing_dimensions=missing)


@dataclass(frozen=True)
class InformTable:
    """The published INFORM file: one row per country, every column, and the published class."""

    countries: tuple[str, ...]
    columns: tuple[str, ...]
    values: np.ndarray  # (n_countries, n_columns), NaN where the file says 'x'
    risk_class: tuple[str, ...]

    def column(self, name: str) -> np.ndarray:
        try:
            return self.values[:, self.columns.index(name)]
        except ValueError:
            raise ValueError(f"column: {name!r} is not in the INFORM file") from None

    def components(self, model: InformModel = INFORM_2021) -> dict[str, np.ndarray]:
        """The lowest-level components of ``model`` as ``compute_inform`` takes them."""
        return {name: self.column(name) for name in model.leaves}


def load_inform_2021(text: str | None = None) -> InformTable:
    """Read the shipped INFORM 2021 file (or the same layout given as ``text``)."""
    if text is None:
        text = resources.files("tvetbridge.risk").joinpath("data", "INFORM_2021.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], [r for r in rows[1:] if r]
    if header[0] != "Country" or header[-1] != "RISK CLASS":
        raise ValueError("header: expected 'Country' first and 'RISK CLASS' last")
    columns = tuple(header[1:-1])
    data = np.empty((len(body), len(columns)))
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise ValueError(f"row {i + 2}: {len(row)} fields, expected {len(header)}")
        for j, cell in enumerate(row[1:-1]):
            cell = cell.strip()
            try:
                data[i, j] = np.nan if cell in ("x", "") else float(cell)
            except ValueError:
                raise ValueError(f"row {i + 2}, {columns[j]}: {cell!r} is not a number") from None
    data.setflags(write=False)
    return InformTable(countries=tuple(r[0] for r in body), columns=columns, values=data,
                       risk_class=tuple(r[-1] for r in body))
