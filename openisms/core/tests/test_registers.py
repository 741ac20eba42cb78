import csv
import io

from openpyxl import load_workbook

from openisms.core.registers import register_export


class Org:
    slug = "acme"


def test_csv_and_xlsx_neutralise_formulas_and_join_lists():
    header = ["Ref", "Title", "Tags"]
    rows = [("D-001", '=HYPERLINK("http://x")', ["a", "b"]), ("D-002", "Policy", None)]
    response = register_export(header, iter(rows), fmt="csv", name="Documents", organization=Org())
    assert response["Content-Disposition"].startswith('attachment; filename="acme-documents-')
    text = response.content.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == header and parsed[1] == ["D-001", '\'=HYPERLINK("http://x")', "a; b"]
    assert parsed[2] == ["D-002", "Policy", ""]
    response = register_export(header, iter(rows), fmt="xlsx", name="Documents", organization=Org())
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Documents"
    assert [c.value for c in sheet[2]] == ["D-001", '\'=HYPERLINK("http://x")', "a; b"]


def test_unknown_format_is_400():
    response = register_export(["a"], [], fmt="pdf", name="x", organization=Org())
    assert response.status_code == 400 and "csv or xlsx" in response.content.decode()
