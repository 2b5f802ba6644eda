"""'Chinese + vocational skills': each trainee's HSK level at entry and exit next to the trade outcomes,
on the project's results chain, with counts of 1–4 people withheld in public."""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from tvetbridge.teachers.engine import gain
from tvetbridge.teachers.queries import language_gain

D = dt.date


def test_level_at_takes_the_highest_result_dated_by_each_day():
    # Person 1: HSK 2 (rank 15) in 2023, then a lower 1 (10) in 2024 — held level stays 15.
    person = np.array([1, 1, 2, 2])
    dated = np.array([D(2023, 1, 1), D(2024, 1, 1), D(2023, 6, 1), D(2024, 6, 1)])
    dated = np.array([d.toordinal() for d in dated])
    ranks = np.array([15, 10, 20, 30])
    people = np.array([1, 1, 2, 2, 3])
    by = np.array([d.toordinal() for d in (D(2022, 1, 1), D(2024, 5, 1), D(2023, 6, 1), D(2025, 1, 1),
                                           D(2025, 1, 1))])
    assert gain.level_at(person, dated, ranks, people, by).tolist() == [0, 15, 20, 30, 0]
    # On HSK 3.0: rank 15 = level 2, 30 = level 4, 0 = below level 1, 35 (older HSK 3.5) = 5, 60+ = 9.
    assert gain.hsk3_level(np.array([0, 10, 15, 30, 34, 35, 60, 70])).tolist() == [0, 1, 2, 4, 4, 5, 9, 9]


def test_gain_counts_entry_exit_and_trade_outcomes(chinese_plus):
    from tvetbridge.registry.models import CooperationProject

    g = language_gain(CooperationProject.objects.all())
    assert g.enrolled == 7 and g.completed == 6
    assert sorted(zip(g.entry.tolist(), g.exit.tolist(), strict=True)) == [
        (0, 0), (0, 2), (0, 3), (1, 4), (2, 3), (3, 3)]
    assert g.moved_up == 4
    assert g.median(g.entry) == 0.5 and g.median(g.exit) == 3.0 and g.median(g.exit - g.entry) == 1.5
    rows = {r["level"]: r for r in g.by_level()}
    assert rows[3] == {"level": 3, "entry": 1, "exit": 3, "certified": 1, "employed": 2}
    assert rows[4] == {"level": 4, "entry": 0, "exit": 1, "certified": 1, "employed": 0}
    # A project of another kind has no language-gain section.
    assert language_gain(CooperationProject.objects.exclude(kind="chinese_plus")) is None


@pytest.mark.parametrize("role", ["coordinator", "institution", "enterprise", "public"])
def test_results_page_shows_the_gain_withholding_small_cells_in_public(chinese_plus, users, client, role):
    if role != "public":
        client.force_login(users[role])
    html = client.get(reverse("outcomes_project", args=[chinese_plus.pk])).content.decode()
    assert "language-gain-table" in html
    figures = html.split('id="language-gain-h"')[1]
    if role == "public":
        # 6 completed, 4 moved up: the 4 is withheld, the 6 and its medians are not.
        assert "fewer than 5" in figures and ">6<" in figures and ">4<" not in figures
    else:
        assert ">4 <small" in figures and "fewer than 5" not in figures


def test_other_projects_results_page_has_no_language_section(world, client):
    html = client.get(reverse("outcomes_project", args=[world["project"].pk])).content.decode()
    assert "language-gain-table" not in html and 'id="funnel-h"' in html
