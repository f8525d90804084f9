"""A faint watermark: the signed-in user's name and the time, repeated.

Beneath text (the transcript, the segment list) it is the background brush, so it never covers
a character being typed and costs what a plain background costs. Over the recording, whose
segments are filled, the plot draws it last, in front (see-through; it takes no click or key).
Either way it is one cached tile, made again only when its text changes (once a minute, for
the time).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

INK = QColor(96, 96, 96, 40)  # over white: a light grey a photograph still shows
ANGLE_DEG = -18.0
GAP_PX = 56


def tile(text: str, background: QColor, ratio: float = 1.0) -> QPixmap:
    """One repeat of the pattern: `text` turned a little, faint, on `background`."""
    font = QFont()
    font.setPointSizeF(11.0)
    metrics = QFontMetricsF(font)
    w = metrics.horizontalAdvance(text) + GAP_PX
    h = metrics.height() * 4
    pixmap = QPixmap(round(w * ratio), round(h * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(background)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.setFont(font)
    p.setPen(INK)
    p.translate(QPointF(w / 2, h / 2))
    p.rotate(ANGLE_DEG)
    p.drawText(QRectF(-w / 2, -h / 2, w, h), Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return pixmap


def apply(widget: QWidget, text: str | None, background: QColor) -> None:
    """`widget`'s background (its viewport's, for a scrolling one) the watermark of `text`;
    None: back to `background` alone."""
    target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
    assert target is not None
    palette = target.palette()
    role = target.backgroundRole()
    if text:
        palette.setBrush(role, QBrush(tile(text, background, target.devicePixelRatioF())))
    else:
        palette.setBrush(role, QBrush(background))
    target.setPalette(palette)
    target.setAutoFillBackground(True)


def plain(widget: QWidget) -> QColor:
    """The colour a widget's background has without a watermark."""
    target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
    assert target is not None
    return target.palette().color(QPalette.ColorGroup.Active, target.backgroundRole())


def draw_over(p: QPainter, rect: QRectF, mark: QPixmap) -> None:
    """`mark` tiled over `rect` (a view's own pixels), the pattern fixed to the view's origin,
    whatever part of it is being drawn."""
    ratio = mark.devicePixelRatio()
    w, h = mark.width() / ratio, mark.height() / ratio
    r = rect.toAlignedRect()
    p.save()
    p.resetTransform()
    p.drawTiledPixmap(r, mark, QPoint(round(r.x() % w), round(r.y() % h)))
    p.restore()
