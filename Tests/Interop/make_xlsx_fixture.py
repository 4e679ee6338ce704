"""Writes Tests/SQL/files/reportes.xlsx, the workbook the read_xlsx logic tests read (openpyxl).

Sheet "Reportes": a header row, then whole numbers, decimals, text with accents (shared strings),
dates and date-times (date-styled serials), booleans and empty cells. Sheet "Presupuesto": a small
table starting at C3, for the sheet and range options. With a second path, also writes a workbook laid
out as Excel writes it (see excel_style). Run: python make_xlsx_fixture.py OUT.xlsx [EXCEL_STYLE.xlsx]
"""
import datetime
import sys

import openpyxl

book = openpyxl.Workbook()
sheet = book.active
sheet.title = "Reportes"
sheet.append(["folio", "colonia", "monto", "fecha", "registrado", "atendido", "nota"])
rows = [
    (1, "Roma Norte", 10.5, datetime.date(2026, 1, 31), datetime.datetime(2026, 1, 31, 8, 30), True, "fuga"),
    (2, "Del Valle", 3, datetime.date(2026, 2, 1), datetime.datetime(2026, 2, 1, 23, 59, 59), False, None),
    (3, "Coyoacán", None, None, datetime.datetime(2026, 2, 2, 0, 0, 1), None, 7),
    (4, "Roma Norte", -2.25, datetime.date(1999, 12, 31), datetime.datetime(2000, 1, 1, 12, 0), True, "Ñandú"),
]
for row in rows:
    sheet.append(list(row))
for cell in sheet["D"][1:]:
    cell.number_format = "yyyy-mm-dd"
for cell in sheet["E"][1:]:
    cell.number_format = "yyyy-mm-dd hh:mm:ss"
second = book.create_sheet("Presupuesto")
second["C3"], second["D3"] = "programa", "monto"
second["C4"], second["D4"] = "Agua", 1500
second["C5"], second["D5"] = "Luz", 2500.75
second["F9"] = "fuera del rango"
book.save(sys.argv[1])


def excel_style(out):
    """Writes a workbook laid out as Excel writes it, which openpyxl does not: shared strings
    (with rich-text runs and a phonetic run to skip), a custom date format, a formula's cached
    text, an error cell, cells without references and a missing row."""
    import zipfile
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Datos &amp; más" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="x">'
        '<Relationship Id="rId1" Type="t" Target="worksheets/hoja.xml"/></Relationships>',
        "xl/sharedStrings.xml": '<?xml version="1.0"?><sst xmlns="x" count="6" uniqueCount="6">'
        '<si><t>agencia</t></si><si><t>cantidad</t></si><si><t>día</t></si>'
        '<si><r><t>Agua </t></r><r><rPr><b/></rPr><t>&amp; Drenaje</t></r><rPh><t>ミズ</t></rPh></si>'
        '<si><t xml:space="preserve"> Obras </t></si><si><t>Luz &#233;l&#xE9;ctrica</t></si></sst>',
        "xl/styles.xml": '<?xml version="1.0"?><styleSheet xmlns="x"><numFmts count="1">'
        '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="4"/></cellXfs></styleSheet>',
        "xl/worksheets/hoja.xml": '<?xml version="1.0"?><worksheet xmlns="x"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="2"><v>1234.5</v></c><c r="C2" s="1"><v>46054</v></c></row>'
        '<row r="4"><c t="s"><v>4</v></c><c t="e"><v>#DIV/0!</v></c><c s="1"><v>45292</v></c></row>'
        '<row r="5"><c r="A5" t="str"><f>UPPER("x")</f><v>X</v></c><c r="B5"><v>7</v></c><c r="C5" s="1"/></row>'
        '<row r="6"><c r="A6" t="s"><v>5</v></c><c r="B6"><v>-0.25</v></c></row>'
        '</sheetData></worksheet>',
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text.encode("utf-8"))


if len(sys.argv) > 2:
    excel_style(sys.argv[2])
