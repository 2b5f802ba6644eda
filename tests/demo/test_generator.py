"""Synthetic data: deterministic, labelled, at the promised counts, and never touching real rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tvetbridge.demo.generator import PLANS, generate, targets
from tvetbridge.demo.loader import load_demo
from tvetbridge.registry.models import (
    CooperationProject,
    Enterprise,
    Facility,
    FacultyMember,
    Institution,
    Programme,
)

pytestmark = pytest.mark.django_db
SYNTHETIC_MODELS = (Institution, Programme, FacultyMember, Facility, Enterprise, CooperationProject)


@pytest.fixture
def loaded(db):
    load_demo()


def snapshot():
    def label(model):
        return "full_name" if model is FacultyMember else "name_en"

    return {model.__name__: sorted(model.objects.filter(is_synthetic=True).values_list("external_key", label(model)))
            for model in SYNTHETIC_MODELS} | {
        "capacity": sorted(Programme.objects.filter(is_synthetic=True)
                           .values_list("external_key", "intake_capacity", "expected_graduates"))}


def test_generator_is_deterministic_with_a_seed(loaded):
    generate(scale="small", seed=7)
    first = snapshot()
    generate(scale="small", seed=7)
    assert snapshot() == first
    generate(scale="small", seed=8)
    assert snapshot()["capacity"] != first["capacity"]


def test_everything_generated_is_labelled_synthetic(loaded):
    generate(scale="small", seed=1)
    for model in SYNTHETIC_MODELS:
        rows = model.objects.filter(external_key__startswith="syn-")
        assert rows.exists(), model
        assert not rows.filter(is_synthetic=False).exists(), model
        assert not rows.exclude(source__is_synthetic=True).exists(), model
        assert not model.objects.filter(is_synthetic=True).exclude(external_key__startswith="syn-").exists()
    source = Institution.objects.filter(is_synthetic=True).first().source
    assert source.title == "Synthetic demo data (seed 1)"


def test_small_scale_hits_target_counts_per_country(loaded):
    report = generate(scale="small", seed=3)
    expected = targets("small")
    for code, n in expected.items():
        assert Institution.objects.filter(is_synthetic=True, country_id=code).count() == n, code
    assert expected["KZ"] == round(706 * 0.05)
    assert targets("national")["KZ"] == 706 and targets("national")["UZ"] == 845
    # Student places follow the real student counts, scaled.
    assert report.students["KZ"] == round(562_000 * expected["KZ"] / PLANS["KZ"].institutions)


def test_programme_capacity_is_consistent(loaded):
    generate(scale="small", seed=5)
    programmes = Programme.objects.filter(is_synthetic=True)
    assert programmes.exists()
    for p in programmes.only("intake_capacity", "expected_graduates"):
        assert 0 < p.expected_graduates <= p.intake_capacity


def test_regeneration_never_touches_real_rows(loaded):
    real = {model.__name__: sorted(model.objects.filter(is_synthetic=False).values_list("pk", "updated"))
            for model in (Institution, Enterprise, CooperationProject)}
    alt_links = sorted(CooperationProject.objects.get(external_key="real-proj-lw-kazakhstan-alt")
                       .partner_institutions.values_list("pk", flat=True))
    generate(scale="small", seed=11)
    generate(scale="small", seed=12)
    after = {model.__name__: sorted(model.objects.filter(is_synthetic=False).values_list("pk", "updated"))
             for model in (Institution, Enterprise, CooperationProject)}
    assert after == real
    assert sorted(CooperationProject.objects.get(external_key="real-proj-lw-kazakhstan-alt")
                  .partner_institutions.values_list("pk", flat=True)) == alt_links
    assert Institution.objects.filter(is_synthetic=True).count() == sum(targets("small").values())


def test_generate_command(loaded, capsys):
    call_command("generate", "--scale", "small", "--seed", "2")
    out = capsys.readouterr().out
    assert "institutions KZ: 35" in out


def test_demo_command_prepares_accounts_without_serving(db, capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "coordinator" in out and "demo-coordinator-2025" in out
    from django.contrib.auth.models import User

    from tvetbridge.core.models import Profile
    assert User.objects.get(username="alt-staff").check_password("demo-institution-2025")
    assert Profile.objects.get(user__username="alt-staff").institution.external_key == "real-inst-alt-university"
    assert Profile.objects.get(user__username="jd-staff").enterprise.external_key == "real-ent-jd"
    assert Institution.objects.filter(is_synthetic=True).exists()
