"""The exact state behind the stored candidate lists, on disk, for incremental updates.

An incremental update needs every subject's prepared vector and its list's exact rank keys (the
stored scores are rounded to 6 decimals, not enough to break ties exactly). Reading 1M trainees'
vectors from the database on every update would cost about as much as the rebuild's own read, so
the full rebuild writes them once — one uncompressed ``.npz`` in ``VAR_DIR/matching/`` — and every
update reads it, applies its changes, writes a new file and names it in ``CandidateState`` in the
same transaction as the lists it rewrites: the lists and the state never disagree, and a rolled-back
update leaves the previous file in force.

Columns: every skill of the taxonomy in primary-key order (so a vacancy may name any skill), then the
rebuild's place and language columns. Both keep the full rebuild's column order, hence its order of
summation and its bits. The file records a stamp of the reference data these columns come from
(skills, regions, countries, languages); when the stamp no longer matches, the next update is a full
rebuild. Changes made without a model save (bulk ``update()``, raw SQL) reach the lists at the
nightly rebuild, as before.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db.models import Count, Max

from tvetbridge.core.models import Country, Language, Region
from tvetbridge.taxonomy.models import Skill

from ..engine import TopK, prepare
from ..engine.candidates import LANGUAGE_WEIGHT, REGION_WEIGHT, MatchInputs
from ..engine.incremental import Changed, Side, sides_from_rebuild
from ..models import CandidateList
from .candidates import replace_lists

PREFIX = "candidates-"


def directory() -> Path:
    return Path(settings.VAR_DIR) / "matching"


def reference_stamp() -> str:
    """Changes whenever a column could appear, vanish or move: skills, regions, countries, languages."""
    parts = []
    for model in (Skill, Region, Country, Language):
        agg = model.objects.aggregate(n=Count("pk"), top=Max("pk"))
        parts.append(f"{model._meta.model_name}:{agg['n']}:{agg['top']}")
    return ";".join(parts)


@dataclass
class Snapshot:
    trainees: Side
    vacancies: Side
    skill_pk: np.ndarray  # the skill columns: every skill, pk order
    extra_keys: tuple[str, ...]  # the place and language columns after them
    stamp: str

    def to_space(self, X: np.ndarray | sp.csr_matrix, inputs: MatchInputs) -> sp.csr_matrix:
        """Prepared rows of ``inputs`` (its skill columns, then its extra columns) in this state's
        columns. An extra column this state lacks (a country without regions, a language no trainee
        can speak) has no partner on the other side and is dropped; the skill part is already
        normalised, so dropping changes no product."""
        X = sp.csr_matrix(X)
        n_s = len(self.skill_pk)
        pos = np.searchsorted(self.skill_pk, inputs.skill_pk)
        if np.any(pos >= n_s) or np.any(self.skill_pk[np.minimum(pos, n_s - 1)] != inputs.skill_pk):
            raise LookupError("a skill outside the state's taxonomy")
        where = {key: n_s + i for i, key in enumerate(self.extra_keys)}
        cmap = np.concatenate([pos, np.array([where.get(key, -1) for key in inputs.extra_keys], dtype=np.int64)])
        X = X.tocoo()
        keep = cmap[X.col] >= 0
        out = sp.csr_matrix((X.data[keep], (X.row[keep], cmap[X.col[keep]])),
                            shape=(X.shape[0], n_s + len(self.extra_keys)))
        out.sort_indices()
        return out

    def prepared(self, inputs: MatchInputs) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Both sides of ``inputs`` prepared (as the kernel takes them) in this state's columns."""
        def one(X, extra, name):
            if X.shape[0] == 0:  # scikit-learn refuses to normalise no rows
                return sp.csr_matrix((0, len(self.skill_pk) + len(self.extra_keys)))
            return self.to_space(prepare(X, extra, name), inputs)

        return one(inputs.T, inputs.t_extra, "A"), one(inputs.V, inputs.v_extra, "B")


def from_rebuild(inputs: MatchInputs, by_t: TopK, by_v: TopK, a_bias: np.ndarray, b_bias: np.ndarray,
                 stamp: str) -> Snapshot:
    """The state of a full rebuild's lists (``by_t``/``by_v`` with rank keys, see ``compute_keys``)."""
    skill_pk = np.array(Skill.objects.order_by("pk").values_list("pk", flat=True), dtype=np.int64)
    snap = Snapshot(None, None, skill_pk, tuple(inputs.extra_keys), stamp)  # type: ignore[arg-type]
    A, B = snap.prepared(inputs)
    snap.trainees, snap.vacancies = sides_from_rebuild(
        inputs.trainee_pk, A, a_bias, inputs.vacancy_pk, B, b_bias,
        by_t.indices, by_t.scores, by_v.indices, by_v.scores)
    return snap


def subjects(snap: Snapshot, trainee_ids, vacancy_ids) -> list[tuple[str, int, sp.csr_matrix | None, float]]:
    """The changed subjects as they are now: (side, pk, prepared vector in the state's columns or None
    when the subject takes no part any more, own bias) — read from the database, these rows only."""
    from .candidates import load_inputs

    inputs = load_inputs(trainee_ids=trainee_ids, vacancy_ids=vacancy_ids)
    A, B = snap.prepared(inputs)
    out: list[tuple[str, int, sp.csr_matrix | None, float]] = []
    for which, ids, pks, X, flag, weight in (
            ("vacancy", vacancy_ids, inputs.vacancy_pk, B, inputs.v_no_language, LANGUAGE_WEIGHT),
            ("trainee", trainee_ids, inputs.trainee_pk, A, inputs.t_anywhere, REGION_WEIGHT)):
        row = {int(p): i for i, p in enumerate(pks.tolist())}
        for pk in sorted({int(i) for i in ids}):
            i = row.get(pk)
            out.append((which, pk, None, 0.0) if i is None else (which, pk, X[i], weight if flag[i] else 0.0))
    return out


def _arrays(side: Side, prefix: str) -> dict[str, np.ndarray]:
    X = side.X.tocsr()
    return {f"{prefix}pk": side.pk, f"{prefix}bias": side.bias, f"{prefix}alive": side.alive,
            f"{prefix}top_pk": side.top_pk, f"{prefix}top_key": side.top_key, f"{prefix}indptr": X.indptr,
            f"{prefix}indices": X.indices, f"{prefix}data": X.data}


def save(snap: Snapshot) -> str:
    """Write the state to a new file and return its name (the caller records it)."""
    d = directory()
    d.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{uuid.uuid4().hex}.npz"
    meta = json.dumps({"extra_keys": list(snap.extra_keys), "stamp": snap.stamp})
    with open(d / name, "wb") as f:
        np.savez(f, meta=np.array(meta), skill_pk=snap.skill_pk, **_arrays(snap.trainees, "t_"),
                 **_arrays(snap.vacancies, "v_"))
    return name


def load(name: str) -> Snapshot | None:
    """The state in file ``name``, or None when it is missing or unreadable."""
    try:
        with np.load(directory() / name) as z:
            a = {key: z[key] for key in z.files}
    except (OSError, ValueError, KeyError):
        return None
    meta = json.loads(str(a["meta"]))
    n_cols = len(a["skill_pk"]) + len(meta["extra_keys"])

    def side(p: str) -> Side:
        n = len(a[f"{p}pk"])
        X = sp.csr_matrix((a[f"{p}data"], a[f"{p}indices"], a[f"{p}indptr"]), shape=(n, n_cols))
        return Side(a[f"{p}pk"], X, a[f"{p}bias"], a[f"{p}alive"].copy(), a[f"{p}top_pk"].copy(),
                    a[f"{p}top_key"].copy())

    return Snapshot(side("t_"), side("v_"), a["skill_pk"], tuple(meta["extra_keys"]), meta["stamp"])


def remove(name: str) -> None:
    """Delete a replaced state file, and any state file left over for a day (a rolled-back update's)."""
    d = directory()
    (d / name).unlink(missing_ok=True)
    old = dt.datetime.now().timestamp() - 86_400
    for path in d.glob(f"{PREFIX}*.npz"):
        try:
            if path.stat().st_mtime < old:
                path.unlink()
        except OSError:
            pass


def write_lists(snap: Snapshot, changed: Changed) -> int:
    """Rewrite the stored lists of the subjects ``changed`` names, delete those of the removed ones."""
    lists = []
    for kind, side, pks in ((CandidateList.Kind.VACANCY.value, snap.vacancies, changed.vacancies),
                            (CandidateList.Kind.TRAINEE.value, snap.trainees, changed.trainees)):
        if not pks:
            continue
        live = np.flatnonzero(side.alive & np.isin(side.pk, np.fromiter(pks, dtype=np.int64)))
        top = side.top_pk[live]
        cand = np.unique(top[top >= 0])
        idx = np.where(top >= 0, np.searchsorted(cand, np.maximum(top, 0)), -1)
        lists.append((kind, side.pk[live], cand, TopK(idx, side.score(live))))
    gone = {CandidateList.Kind.VACANCY.value: np.fromiter(changed.removed_vacancies, dtype=np.int64),
            CandidateList.Kind.TRAINEE.value: np.fromiter(changed.removed_trainees, dtype=np.int64)}
    return replace_lists(lists, gone)
