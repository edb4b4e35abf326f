"""Render a donor receipt and a monthly recovery report of a busy donor, time them, and turn the receipt's first
page into a PNG with pdftoppm (Debian's poppler-utils). No database: the rows are generated in memory.

    .venv/bin/python benchmarks/receipt_render.py [--deliveries 1000] [--png receipt.png]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coalition.models import FoodCategory, OrganizationKind  # noqa: E402
from coalition.services import compliance, pdf, receipts  # noqa: E402,F401  (pdf: fpdf2 imported before timing)

RECIPIENTS = ["Columbia Regional Food Bank", "Old Town Night Shelter", "Cully Community Pantry", "Lents Family Shelter"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--png", type=Path, default=None, help="where to keep the first page as PNG")
    args = parser.parse_args()
    rng = random.Random(7)
    donor = SimpleNamespace(id=1, name="Hawthorne Green Grocer", address="3535 SE Hawthorne Blvd", phone="",
                            kind=OrganizationKind.GROCERY)
    start = dt.date(2026, 1, 1)
    lines = sorted((receipts.ReceiptLine(start + dt.timedelta(days=rng.randrange(365)), rng.choice(RECIPIENTS),
                                         c := rng.choice(list(FoodCategory)), round(rng.uniform(2, 60), 1),
                                         receipts.DEFAULT_USD_PER_KG[c]) for _ in range(args.deliveries)),
                   key=lambda line: line.delivered_on)
    receipt = receipts.Receipt(donor, start, dt.date(2026, 12, 31), lines, dict(receipts.DEFAULT_USD_PER_KG))
    now = dt.datetime.now(dt.timezone.utc)
    began = time.perf_counter()
    body = receipts.render_receipt_pdf(receipt, "Feeding Our City", now)
    receipt_s = time.perf_counter() - began

    orgs = {name: SimpleNamespace(id=i, name=name, address="Portland, OR", phone="") for i, name in enumerate(RECIPIENTS, 2)}
    rows = [compliance.PairRow(donor, orgs[name], grams=rng.randrange(10_000, 900_000), deliveries=rng.randrange(1, 30),
                               categories={rng.choice(list(FoodCategory))}) for name in RECIPIENTS]
    began = time.perf_counter()
    compliance.report_pdf(compliance.ComplianceReport(dt.date(2026, 10, 1), rows), "Feeding Our City", now)
    report_s = time.perf_counter() - began

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "receipt.pdf"
        pdf.write_bytes(body)
        began = time.perf_counter()
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(Path(tmp) / "page")], check=True)
        png_s = time.perf_counter() - began
        png = next(Path(tmp).glob("page*.png"))
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = text.count("\f")
        if args.png:
            args.png.write_bytes(png.read_bytes())
    total = f"Total: {receipt.total_kg:,.1f} kg, estimated value ${receipt.total_value_usd:,.2f}"
    print(f"receipt: {args.deliveries} deliveries, {pages} pages, {len(body) / 1024:.0f} KiB, rendered in {receipt_s:.2f} s")
    print(f"recovery report PDF: {report_s:.3f} s; first page to PNG (pdftoppm, 80 dpi): {png_s:.2f} s")
    print(f"totals line found in the PDF text: {total in text} ({total})")


if __name__ == "__main__":
    main()
