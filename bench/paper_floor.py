"""Paper's floor: fpdf2 setting the same text on the same number of pages, nothing laid out.

    python bench/paper_floor.py FONT TEXTS OUT

TEXTS is a folder of ``<member>.txt`` files, the text ``pdftotext -layout`` extracted from each
member's printed itinerary, pages separated by form feeds. For each, one A4 PDF is written to
``OUT/<member>.pdf`` with fpdf2: the same pages, each line of the page drawn as one line of text
in FONT (the Korean font seoulcal printed with, embedded and subset as seoulcal embeds it).
No layout, no wrapping, no QR code, no bold face: what fpdf2 itself costs for the same words.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fpdf import FPDF


def main() -> int:
    """Write one PDF per text file."""
    font, texts, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for source in sorted(texts.glob("*.txt")):
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(auto=False)
        pdf.add_font("korean", fname=str(font))
        pdf.set_font("korean", size=8)
        pages = source.read_text("utf-8").split("\f")
        if pages and not pages[-1].strip():
            pages.pop()
        for page in pages:
            pdf.add_page()
            y = 12.0
            for line in page.splitlines():
                if line.strip():
                    pdf.text(10, y, line.rstrip())
                y += 3.4
                if y > 290:
                    y = 12.0
        (out / f"{source.stem}.pdf").write_bytes(bytes(pdf.output()))
        count += 1
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
