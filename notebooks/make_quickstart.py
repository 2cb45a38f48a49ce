"""Write quickstart.ipynb (nbformat 4) from the cells below: `python notebooks/make_quickstart.py`.

Only the standard library's json is used, so the notebook can be regenerated anywhere. Edit the
cells here, not the .ipynb, then rerun this script. Outputs are left empty on purpose.
"""

# ruff: noqa: E501  (markdown tables are one line a row)

import json
from pathlib import Path

CELLS: list[tuple[str, str]] = []


def md(text: str) -> None:
    CELLS.append(("markdown", text.strip("\n")))


def code(text: str) -> None:
    CELLS.append(("code", text.strip("\n")))


# --------------------------------------------------------------------------------------------
md("""
# povlink quickstart: from agency lists to one register

A city's agencies each keep their own list of poor families: who gets social aid, who has a
health insurance card, whose house is to be renovated. Added up, the lists say little, because the
same family appears on several of them, spelt differently each time. **povlink** links the lists
into one register (*satu data*, "one data") in which every person and every household has one ID,
whichever list it came from.

This notebook walks through one session on a **synthetic** city: real lists hold personal data
and stay with the agency that owns them. Every step below is something you can do with your own
lists once they are described in a project file. Everything is written into a temporary folder;
nothing is sent anywhere. On a laptop the whole notebook runs in well under a minute.

**Words used below** (each explained once here):

| term | meaning |
| --- | --- |
| NIK (*Nomor Induk Kependudukan*) | the 16-digit national identity number; it encodes region, birth date (women: day + 40) and a serial |
| KK (*Kartu Keluarga*) | the family card; its 16-digit number changes when a family splits or moves |
| OPD (*Organisasi Perangkat Daerah*) | a city agency, e.g. Dinas Sosial (social affairs), Dinas Kesehatan (health) |
| DTKS (*Data Terpadu Kesejahteraan Sosial*) | the national social welfare register kept by the Ministry of Social Affairs (Kemensos) |
| PKH, BPNT, KIS, KIP | conditional cash transfer, food aid, health insurance card, school aid card |
| Rutilahu (*rumah tidak layak huni*) | renovation aid for uninhabitable houses |
| kelurahan, kecamatan | urban village and district |
| RT, RW | neighbourhood and community units inside a kelurahan |
| Dukcapil | the civil registry (population and civil records) |
""")

code("""
import tempfile
from pathlib import Path

import pandas as pd

import povlink

pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)
print("povlink", povlink.__version__)
""")

# --------------------------------------------------------------------------------------------
md("""
## 1. A synthetic city

`povlink.generate_city` writes a made-up Kota Semarang: one file per OPD list, in the formats
agencies actually send (csv with different delimiters and encodings, Excel, parquet, JSON lines),
with the usual damage (typos, missing or mistyped NIKs, placeholder birth dates). It also writes
`truth.csv`, saying which true person and household every record belongs to (a real city never has
this; we use it in step 4 to score the result), and `povlink.toml`, the project file that maps each
list's columns onto povlink's fields.

`households=500` asks for 500 homes (*rumah tangga*). The household count printed below is
higher because it counts every KK family of the synthetic population, including families that
split off a new KK (*pecah KK*). The lists name only the part of the population each programme
reaches. The same arguments always give the same files.
""")

code("""
workdir = Path(tempfile.mkdtemp(prefix="povlink-quickstart-"))
city = povlink.generate_city(workdir / "city", households=500, seed=7)
print(f"written to {city.out_dir}")
print(f"{city.households} households, {city.persons} persons in the population")
print(f"{city.records} records in {len(city.lists)} lists")
pd.DataFrame(
    [
        {"list": f.name, "file": f.path.name, "agency": f.agency, "program": f.program,
         "records": f.records, "persons": f.persons}
        for f in city.lists
    ]
)
""")

# --------------------------------------------------------------------------------------------
md("""
## 2. One raw list, as the agency sends it

The Dinas Sosial list (DTKS with PKH) is a semicolon-separated csv in the Latin-1 encoding, with
dates as day-month-year and sex as `1`/`2`. Read identity numbers **as text** (`dtype=str`): read as
numbers, a 16-digit NIK loses digits or leading zeros, the same damage Excel does to lists.
""")

code("""
dtks_path = city.list_paths["dinsos_dtks"]
raw = pd.read_csv(dtks_path, sep=";", encoding="latin-1", dtype=str, keep_default_na=False)
print(f"{dtks_path.name}: {len(raw)} rows, {raw['NIK'].eq('').sum()} with an empty NIK cell")
raw.head()
""")

md("""
The project file tells povlink how to read each list and which column holds which field
(`nik`, `kk_number`, `full_name`, `birth_date`, ...). Here is the part for this list; for your own
lists you write one such section per list.
""")

code("""
toml_text = city.project_file.read_text(encoding="utf-8")
print(toml_text.split("[[source]]")[1].strip())
""")

# --------------------------------------------------------------------------------------------
md("""
## 3. Open the project and resolve

`resolve()` runs every stage in one go and stores the result in the **registry**, a single DuckDB
file next to the project file (`registry.duckdb`):

1. *ingest*: read every list and keep it as a version (a later, changed file becomes version 2);
2. *standardise*: clean names, dates, NIK and KK numbers and region names, and flag problems;
3. *link*: score pairs of records with a probabilistic (Fellegi-Sunter) model, trained on these
   lists on the first run (built on the Splink library);
4. *cluster*: records linked above the threshold become one person;
5. *stable IDs*: persons get IDs `P…` and households `H…`, kept from run to run (step 9).
""")

code("""
project = povlink.Project.from_toml(city.project_file)
result = project.resolve()
summary = result.summary
pd.Series(
    {
        "records": summary.records,
        "persons": summary.persons,
        "households": summary.households,
        "pairs scored": summary.pairs_scored,
        "links (pairs at or above the threshold)": summary.links,
        "threshold (match probability)": summary.threshold,
        "model trained in this run": summary.model_trained,
        "person IDs created": summary.ids_created,
    }
)
""")

md("""
The **person table** has one row per record: its list (`source`), the person and household it
was assigned to, and `link_confidence` (for a record linked to others, the highest match
probability linking it inside its person; for a record alone, one minus the highest probability of
any pair it was scored in).
""")

code("""
persons = result.persons
persons.head()
""")

md("A person named on the most lists, and the records that make them one person:")

code("""
lists_per_person = persons.groupby("person_id")["source"].nunique()
print("persons by the number of lists naming them:")
print(lists_per_person.value_counts().sort_index().to_string())
busiest = lists_per_person.idxmax()
persons[persons["person_id"] == busiest]
""")

# --------------------------------------------------------------------------------------------
md("""
## 4. How good is the linking? (synthetic data only)

Because the synthetic city comes with `truth.csv`, we can score the result. *Pairwise precision*
is the share of record pairs put into one person that truly are one person; *pairwise recall* the
share of true pairs that were found; *B-cubed* scores average the same per record. Households are
scored the same way. With your own lists there is no truth file: check samples by hand instead
(step 7 shows why two records were linked).
""")

code("""
evaluation = project.evaluate(city.truth_file)
scores = pd.DataFrame(
    {"persons": evaluation.persons.to_dict(), "households": evaluation.households.to_dict()}
)
scores
""")

# --------------------------------------------------------------------------------------------
md("""
## 5. The integration report

`project.report()` computes what the lists add up to, as pandas DataFrames. The headline is the
**over-count**: when each agency counts the households on its own list and the counts are added
up, a household on three lists is counted three times. `list_households` is that sum,
`households` the distinct households, `overcount` the difference.
""")

code("""
report = project.report()
n_lists = report.summary["lists"].iloc[0]
print(
    f"The {n_lists} lists' household counts add up to {report.list_households}; "
    f"there are {report.households} distinct households, so the sum is {report.overcount} too high "
    f"({report.summary['overcount_ratio'].iloc[0]:.2f} times the true number)."
)
report.summary.T.rename(columns={0: "value"})
""")

md("""
Other columns of `summary`: `program_*` repeat the over-count for lists that give a programme
(leaving out pure registers); `multi_list_households` counts households named by two lists or
more. The **reference list** is the national register (DTKS; povlink picks the list whose name or
programme mentions DTKS unless the project file names one): `program_households_not_in_reference`
are households a city programme reaches but DTKS does not list (candidates to propose for DTKS),
`reference_households_without_program` are DTKS households no programme on these lists reaches.
""")

code("""
print("reference list:", report.reference_source)
for note in report.notes:
    print("note:", note)
""")

md("""
**Overlap between lists**: households named by both lists; the diagonal is each list's own
household count.
""")

code("""
report.overlap
""")

md("""
**Programme combinations**: households by the exact set of programmes reaching them (a list's
programme text such as "DTKS / PKH" is split into programmes; registers such as DTKS are not
programmes), with their share of all households.
""")

code("""
report.programs
""")

code("""
report.program_combinations.head(10)
""")

md("""
**Data quality by list**: per list, its records, distinct persons and households, `duplicates`
(records of a person already on the same list), records with a missing, invalid or inconsistent
NIK, and `singletons` (records linked to no other record anywhere).
""")

code("""
report.sources
""")

md("""
`quality_by_field` ranks, per list, the fields to fix first (rank 1: most records affected);
`quality_by_flag` gives each problem code with its description. This is the feedback to send back
to each OPD.
""")

code("""
report.quality_by_field[report.quality_by_field["rank"] == 1]
""")

code("""
report.quality_by_flag[report.quality_by_flag["source"] == "dinsos_dtks"]
""")

md("""
Households by kecamatan (every kecamatan of the region table is listed, with zero where no
household on the lists lives):
""")

code("""
report.kecamatan.head(10)
""")

# --------------------------------------------------------------------------------------------
md("""
## 6. The report as one HTML page

`to_html` writes the same figures as one self-contained page (it needs no network), to share with
the OPDs; `to_json()` gives them as plain data for a dashboard.
""")

code("""
html_path = report.to_html(workdir / "report.html", title="Synthetic Semarang: integration report")
print(f"{html_path} ({html_path.stat().st_size:,} bytes)")
print("JSON keys:", ", ".join(report.to_json())[:300], "...")
""")

# --------------------------------------------------------------------------------------------
md("""
## 7. Why were two records linked?

The registry keeps every linked pair in its `links` table. `project.explain(a, b)` shows the
evidence for one pair: the *prior* (how unlikely it is that two records picked at random are the
same person) and then, per comparison, the level found and its *match weight* (evidence in bits:
positive for, negative against). They add up to the total; the match probability follows from it.
The values in brackets are what was compared; for a comparison that reads several columns only
one of them is shown, so read the level's label too.
""")

code("""
with project.open_registry(read_only=True) as reg:
    pair = reg.engine.query("SELECT record_id_l, record_id_r FROM links LIMIT 1")
record_a, record_b = pair.iloc[0]
print(project.explain(record_a, record_b).to_text())
""")

md("""
The same for two records of one household that povlink kept as **different** persons. Living
together (same KK, address or neighbourhood) is evidence that they are one person; the other
lines show what outweighs it.
""")

code("""
by_household = persons.groupby("household_id")["person_id"].nunique()
household = by_household[by_household > 1].index[0]
members = persons[persons["household_id"] == household].drop_duplicates("person_id")
record_c, record_d = members["record_id"].iloc[:2]
print(project.explain(record_c, record_d).to_text())
""")

# --------------------------------------------------------------------------------------------
md("""
## 8. Is this applicant already known?

A resident applies for aid at the kelurahan office. Staff type what they have: here a name with a
typo, a birth date and the kelurahan, no NIK. `project.match` returns the most likely persons in
the register with their match probability and each comparison's level; it does not change the
registry. The applicant below is made from the first row of the DTKS list, so we can check the
answer.
""")

code("""
row = raw.iloc[0]
applicant = {
    "full_name": row["NAMA"][:-1],  # the last letter lost
    "birth_date": row["TGL_LAHIR"],
    "kelurahan": row["KELURAHAN"],
}
print(applicant)
candidates = project.match(applicant)
candidates[["person_id", "household_id", "match_probability", "match_weight", "record_id"]]
""")

code("""
expected = persons.loc[persons["record_id"] == f"dinsos_dtks:{row['ID_ART']}", "person_id"].iloc[0]
print("the DTKS row's person:", expected)
print("top candidate:        ", candidates.loc[0, "person_id"])
candidates.filter(like="level_").iloc[0]
""")

# --------------------------------------------------------------------------------------------
md("""
## 9. A list is refreshed: IDs carry forward

Dinas Sosial sends an updated DTKS file: one family has moved to a new address, and one record
has been removed. We make both edits to the csv (written back in the same format) and resolve
again. povlink stores the file as a new version of the list, finds the changed and withdrawn
records, and **keeps the person and household IDs** of everyone it still recognises: programmes,
complaints and payments can keep referring to them. The trained model is reused (pass
`retrain=True` to train again).
""")

code("""
before = project.persons()
moved_record = f"dinsos_dtks:{raw.loc[0, 'ID_ART']}"
# A DTKS record of a person who also has other records, so the person lives on without it.
record_counts = before["person_id"].map(before["person_id"].value_counts())
withdrawable = before[
    (before["source"] == "dinsos_dtks")
    & (record_counts > 1)
    & (before["record_id"] != moved_record)
]
withdrawn_record = withdrawable["record_id"].iloc[0]

refreshed = raw.copy()
moved = refreshed["ID_ART"] == raw.loc[0, "ID_ART"]
refreshed.loc[moved, "ALAMAT"] = "JL. PEMUDA NO. 1"
refreshed.loc[moved, "RT"] = "001"
refreshed = refreshed[refreshed["ID_ART"] != withdrawn_record.split(":", 1)[1]]
refreshed.to_csv(dtks_path, sep=";", encoding="latin-1", index=False)
print(f"moved: {moved_record}; withdrawn: {withdrawn_record}")
""")

code("""
second = project.resolve()
s2 = second.summary
print(
    f"run {s2.run_id}: {s2.ids_carried_forward} person IDs carried forward, "
    f"{s2.ids_created} created, {s2.ids_retired} retired; "
    f"incremental={s2.incremental}, records rescored: {s2.records_rescored}"
)
pd.DataFrame([vars(v) for v in s2.sources])
""")

code("""
after = second.persons
both = before.merge(after, on="record_id", suffixes=("_before", "_after"))
print(f"{len(before)} records before, {len(after)} after, {len(both)} in both runs")
same_person = (both["person_id_before"] == both["person_id_after"]).sum()
same_household = (both["household_id_before"] == both["household_id_after"]).sum()
print(f"same person ID:    {same_person} of {len(both)}")
print(f"same household ID: {same_household} of {len(both)}")
""")

md("""
`project.history(person_id)` shows a person's records over time (`run_from`/`run_to`: the runs in
which the record carried this ID; `version_from`/`version_to`: the list versions holding that
form of the record) and the events on the ID. The person who moved has one record in two
versions:
""")

code("""
moved_person = after.loc[after["record_id"] == moved_record, "person_id"].iloc[0]
moved_history = project.history(moved_person)
moved_history.records
""")

code("""
with project.open_registry(read_only=True) as reg:
    versions = reg.engine.query(
        "SELECT record_id, version_from, version_to, address, rt FROM record_versions "
        "WHERE record_id = ? ORDER BY version_from",
        [moved_record],
    )
versions
""")

md("""
The person who lost a record keeps the ID; the event `records_withdrawn` says so:
""")

code("""
withdrawn_person = before.loc[before["record_id"] == withdrawn_record, "person_id"].iloc[0]
withdrawn_history = project.history(withdrawn_person)
print(withdrawn_history.records.to_string())
withdrawn_history.events
""")

# --------------------------------------------------------------------------------------------
md("""
## 10. Take the register with you

`project.export(folder)` writes the register as csv files: `records.csv` (every current record),
`persons.csv`, `households.csv` and `lineage.csv` (every ID event). The same jobs run from the
command line (`povlink resolve`, `povlink report`, `povlink explain`, `povlink match`,
`povlink history`, `povlink export`); see the README. For your own city, write a `povlink.toml`
describing your lists (the README shows the format) and start again from step 3.
""")

code("""
exported = project.export(workdir / "export")
for path in exported:
    print(f"{path.name:16} {len(pd.read_csv(path, dtype=str)):>6} rows")
print(f"everything from this notebook is in {workdir}")
quickstart_done = True
""")


def notebook() -> dict[str, object]:
    cells = []
    for number, (kind, text) in enumerate(CELLS):
        lines = text.splitlines(keepends=True)
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"quickstart-{number:02d}",
            "metadata": {},
            "source": lines,
        }
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "pygments_lexer": "ipython3"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


if __name__ == "__main__":
    target = Path(__file__).with_name("quickstart.ipynb")
    target.write_text(json.dumps(notebook(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(CELLS)} cells)")
