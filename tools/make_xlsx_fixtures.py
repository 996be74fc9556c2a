"""Writes small .xlsx workbooks with two independent writers for the @agiqa/data xlsx reader:
openpyxl (inline strings, absolute relationship targets) and XlsxWriter (shared strings, rich
text runs, relative targets: the way Excel itself stores text).

Neither is in the project venv; install them to a scratch folder first:
  python -m pip install --target /tmp/agiqa-data-pylib openpyxl==3.1.5 XlsxWriter==3.2.0
  PYTHONPATH=/tmp/agiqa-data-pylib tools/.venv/bin/python tools/make_xlsx_fixtures.py
Outputs (committed) under libs/data/fixtures/xlsx/:
  prompts_header.xlsx    a header row (No., Class, Prompt, Style) then 2 prompts, as AIGCIQA2023's
                         prompt spreadsheet is read by peers (prompt in the third column)
  prompts_noheader.xlsx  the same 2 prompts without a header row
  cells.xlsx             (openpyxl) cell kinds: rich-text and inline strings, numbers, booleans,
                         gaps, XML escapes, a second sheet that must be ignored
  cells_shared.xlsx      (XlsxWriter) the same cells stored as shared strings
  cells.json             what each cell holds, as text, for the TS test
"""
import json
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

OUT = Path(__file__).resolve().parent.parent / "libs" / "data" / "fixtures" / "xlsx"
PROMPTS = [
    (1, "animal", "A cat, sitting on a \"red\" chair & smiling", "realistic"),
    (2, "scene", "Ein Haus am See — 夕焼け", "oil painting"),
]


def prompts(path: Path, header: bool) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    if header:
        ws.append(["No.", "Class", "Prompt", "Style"])
    for row in PROMPTS:
        ws.append(list(row))
    wb.save(path)


def cells(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws["A1"] = "name"
    ws["B1"] = "mos"
    ws["D1"] = "note"  # C1 left empty: a gap in the header row
    ws["A2"] = "1.png"
    ws["B2"] = 3.25
    ws["D2"] = CellRichText(["bold ", TextBlock(InlineFont(b=True), "part"), " <tail>"])
    ws["A3"] = "2.png"
    ws["B3"] = 42
    ws["C3"] = True
    ws["D3"] = "a & b < c"
    ws["A5"] = "after a blank row"
    ws["B5"] = -0.001
    other = wb.create_sheet("ignored")
    other["A1"] = "not read"
    wb.save(path)
    expected = [
        {"line": 1, "cells": ["name", "mos", "", "note"]},
        {"line": 2, "cells": ["1.png", "3.25", "", "bold part <tail>"]},
        {"line": 3, "cells": ["2.png", "42", "TRUE", "a & b < c"]},
        {"line": 5, "cells": ["after a blank row", "-0.001"]},
    ]
    (OUT / "cells.json").write_text(json.dumps({"openpyxl": openpyxl.__version__, "rows": expected}, indent=1, ensure_ascii=False) + "\n")


def cells_shared(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("data")
    bold = wb.add_format({"bold": True})
    ws.write_string(0, 0, "name")
    ws.write_string(0, 1, "mos")
    ws.write_string(0, 3, "note")
    ws.write_string(1, 0, "1.png")
    ws.write_number(1, 1, 3.25)
    ws.write_rich_string(1, 3, "bold ", bold, "part", " <tail>")
    ws.write_string(2, 0, "2.png")
    ws.write_number(2, 1, 42)
    ws.write_boolean(2, 2, True)
    ws.write_string(2, 3, "a & b < c")
    ws.write_string(4, 0, "after a blank row")
    ws.write_number(4, 1, -0.001)
    wb.add_worksheet("ignored").write_string(0, 0, "not read")
    wb.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    prompts(OUT / "prompts_header.xlsx", header=True)
    prompts(OUT / "prompts_noheader.xlsx", header=False)
    cells(OUT / "cells.xlsx")
    cells_shared(OUT / "cells_shared.xlsx")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
