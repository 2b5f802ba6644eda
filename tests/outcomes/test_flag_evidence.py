"""Flag evidence is shown with translated labels and formatted values, not stored identifiers."""

from __future__ import annotations

from django.test import Client
from django.utils import translation

from tvetbridge.outcomes.flag_evidence import evidence_items
from tvetbridge.outcomes.models import QualityFlag

EVIDENCE = {"finished_6_months_ago_or_more": 1234,
            "with_job_or_income_after_training": 1, "share_reported": 0.125, "required_share": 0.5,
            "peers": {"Peer A": 1.5, "Peer B": 0.25}, "new_measure": 7}


def test_labels_replace_identifiers_and_values_are_formatted():
    items = {i["key"]: i for i in evidence_items(EVIDENCE)}
    assert "rule" not in items
    assert items["finished_6_months_ago_or_more"]["label"] == "Trainees who finished 6 or more months ago"
    assert items["finished_6_months_ago_or_more"]["value"] == "1,234"
    assert items["share_reported"]["value"] == "12.5 percent"
    assert items["peers"]["parts"] == [("Peer A", "1.500"), ("Peer B", "0.250")]
    # a key without a label still shows, readable, so new evidence is never hidden
    assert items["new_measure"]["label"] == "new measure" and items["new_measure"]["value"] == "7"


def test_values_follow_the_active_language_format():
    with translation.override("ru"):
        items = {i["key"]: i for i in evidence_items(EVIDENCE)}
    assert items["share_reported"]["value"].startswith("12,5")


def test_flag_pages_show_labels_not_keys(world, users):
    flag = QualityFlag.objects.create(project=world["project"], rule="unreported",
                                      evidence=EVIDENCE, data_version="x")
    client = Client()
    client.force_login(users["coordinator"])
    for url in (f"/outcomes/flags/{flag.pk}/", f"/outcomes/projects/{world['project'].pk}/"):
        html = client.get(url).content.decode()
        assert "Trainees who finished 6 or more months ago" in html and "12.5 percent" in html, url
        assert ">finished_6_months_ago_or_more<" not in html and ">share reported<" not in html, url
