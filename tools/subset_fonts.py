"""Trim the DejaVu fonts Ethos ships to the scripts its documents print.

    python tools/subset_fonts.py /usr/share/fonts/truetype/dejavu src/ethos/fonts

The full faces (from Debian's fonts-dejavu-core) carry about 6,000 glyphs each; reading one
costs most of a document's build time. Kept: Latin with its extensions and IPA, combining marks,
Greek (with polytonic), Cyrillic, Armenian, Georgian, punctuation, currency, letterlike symbols,
arrows, mathematical operators, enclosed numbers, box drawing, shapes, Latin ligatures and the
replacement character that stands in for anything missing. The names keep "DejaVu", which
contains neither "Bitstream" nor "Vera", as the licence (src/ethos/fonts/LICENSE) asks of a
modified version.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")
RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x0530, 0x058F),
    (0x10A0, 0x10FF),
    (0x1E00, 0x1FFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0x2190, 0x22FF),
    (0x2460, 0x24FF),
    (0x2500, 0x257F),
    (0x25A0, 0x25FF),
    (0xFB00, 0xFB06),
    (0xFFFD, 0xFFFD),
)


def main(source: Path, target: Path) -> None:
    unicodes = [code for low, high in RANGES for code in range(low, high + 1)]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.hinting = False
    for face in FACES:
        font = subset.load_font(str(source / face), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        subset.save_font(font, str(target / face), options)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
