"""A small layer over fpdf2 for the coalition's printable documents (receipts, compliance reports):
a title block, text, tables that continue over pages, and a footer with the page number.

The built-in Helvetica font covers Latin-1 only; other characters are replaced by "?" rather than
failing, so any partner's name can be printed.
"""
from __future__ import annotations

import datetime as dt

from fpdf import FPDF


def _latin1(text: str) -> str:
    text = str(text).replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    return text.encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(90)
        self.cell(0, 6, _latin1(f"{self.footer_text}   Page {self.page_no()} of {{nb}}"), align="C")


class Document:
    """A portrait Letter document; call the builders in reading order, then :meth:`output`."""

    def __init__(self, title: str, coalition_name: str, generated_at: dt.datetime, landscape: bool = False):
        self.pdf = _Pdf(orientation="L" if landscape else "P", unit="mm", format="Letter")
        self.pdf.footer_text = f"{coalition_name} - generated {generated_at.strftime('%Y-%m-%d %H:%M')} UTC"
        self.pdf.set_title(_latin1(title))
        self.pdf.set_author(_latin1(coalition_name))
        self.pdf.set_creation_date(generated_at)
        self.pdf.set_margins(15, 15, 15)
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.add_page()
        self.pdf.set_font("helvetica", size=10)

    def heading(self, text: str) -> None:
        self.pdf.set_font("helvetica", style="B", size=18)
        self.pdf.multi_cell(0, 9, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)
        self.pdf.set_font("helvetica", size=10)

    def subheading(self, text: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font("helvetica", style="B", size=12)
        self.pdf.multi_cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("helvetica", size=10)

    def text(self, text: str) -> None:
        self.pdf.multi_cell(0, 5.5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def note(self, text: str) -> None:
        self.pdf.set_font("helvetica", style="I", size=9)
        self.pdf.set_text_color(60)
        self.pdf.multi_cell(0, 4.8, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0)
        self.pdf.set_font("helvetica", size=10)

    def empty(self, text: str) -> None:
        """A prominent line for a document with nothing to list."""
        self.pdf.ln(4)
        self.pdf.set_font("helvetica", style="B", size=13)
        self.pdf.multi_cell(0, 9, _latin1(text), border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("helvetica", size=10)

    def table(self, header: list[str], rows: list[list[str]], widths: tuple[float, ...], numeric: tuple[int, ...] = ()) -> None:
        """A ruled table with a bold header repeated on each page; ``widths`` are relative; ``numeric``
        columns align right. Cells are one line (text that does not fit is shortened with "..."; a
        newline in a cell starts a second line), drawn with plain cells: a year of deliveries stays fast."""
        pdf = self.pdf
        scale = pdf.epw / sum(widths)
        cols = [w * scale for w in widths]
        line_h = 5.5

        def draw(cells: list[str], bold: bool) -> None:
            lines = [str(c).split("\n") for c in cells]
            height = line_h * max(len(parts) for parts in lines)
            if pdf.will_page_break(height):
                pdf.add_page()
                if not bold:
                    draw(header, True)
            pdf.set_font("helvetica", style="B" if bold else "", size=9)
            if bold:
                pdf.set_fill_color(225, 238, 228)
            x, y = pdf.get_x(), pdf.get_y()
            for index, (width, parts) in enumerate(zip(cols, lines)):
                pdf.rect(x, y, width, height, style="DF" if bold else "D")
                for n, part in enumerate(parts):
                    pdf.set_xy(x, y + n * line_h)
                    pdf.cell(width, line_h, self._fit(_latin1(part), width - 2),
                             align="R" if index in numeric else "L")
                x += width
            pdf.set_xy(pdf.l_margin, y + height)

        pdf.ln(2)
        draw(header, True)
        for row in rows:
            draw(row, False)
        pdf.set_font("helvetica", size=10)

    def _fit(self, text: str, width: float) -> str:
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "...") > width:
            text = text[:-1]
        return text + "..."

    def output(self) -> bytes:
        return bytes(self.pdf.output())
