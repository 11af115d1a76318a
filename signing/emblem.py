"""What stands between the letterhead's French and Arabic columns: the commune's logo, or a
neutral seal."""
from __future__ import annotations

import io
import math

from reportlab.pdfgen.canvas import Canvas


def draw_logo(c: Canvas, logo: bytes, x: float, y: float) -> None:
    """The logo fitted in a 40-point square centred on (x, y), its proportions kept."""
    from reportlab.lib.utils import ImageReader
    image = ImageReader(io.BytesIO(logo))
    width, height = image.getSize()
    scale = 40 / max(width, height)
    c.drawImage(image, x - width * scale / 2, y - height * scale / 2, width * scale, height * scale, mask="auto")


def draw_emblem(c: Canvas, x: float, y: float, color: tuple[float, float, float]) -> None:
    """A plain five-pointed star in a double ring: a neutral seal, not the arms."""
    c.setStrokeColorRGB(*color)
    c.setLineWidth(1.0)
    c.circle(x, y, 17, stroke=1, fill=0)
    c.setLineWidth(0.5)
    c.circle(x, y, 14.5, stroke=1, fill=0)
    path = c.beginPath()
    points = [(x + 11 * math.cos(math.radians(90 + k * 144)),
               y + 11 * math.sin(math.radians(90 + k * 144))) for k in range(5)]
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.close()
    c.setLineWidth(1.2)
    c.drawPath(path, stroke=1, fill=0)
