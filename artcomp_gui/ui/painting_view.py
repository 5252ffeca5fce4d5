"""Zoomable, pannable view of one image with an optional heatmap overlay."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QPainter,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

ZOOM_STEP = 1.25
MIN_ZOOM = 0.01
MAX_ZOOM = 32.0
# Angle delta of one notch of a standard mouse wheel, in eighths of a degree.
WHEEL_NOTCH = 120


class PaintingView(QGraphicsView):
    """The image, zoomed about the cursor with the wheel and panned by dragging.

    Zoom is given in device pixels per image pixel, so 1.0 ("100%") shows every image
    pixel on exactly one screen pixel, also on high-DPI screens where one logical pixel
    covers several device pixels. Above 100% pixels are drawn as sharp squares, below
    it the image is smoothly downsampled.

    The view keeps fitting the image to the window as it resizes until the user zooms.

    Signals:
        zoom_changed(float): the new zoom, device pixels per image pixel.
        navigate_requested(int): -1 for the previous image, +1 for the next one,
            from the Left and Right keys.
    """

    zoom_changed = Signal(float)
    navigate_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self._image_item = QGraphicsPixmapItem()
        self._image_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self._overlay_item = QGraphicsPixmapItem()
        self._overlay_item.setTransformationMode(
            Qt.TransformationMode.SmoothTransformation
        )
        self._overlay_item.setZValue(1)
        self._overlay_item.setVisible(False)
        self._scene.addItem(self._image_item)
        self._scene.addItem(self._overlay_item)

        self._image_size: tuple[int, int] | None = None
        self._overlay_image = QImage()
        self._fit = True
        self._placeholder = ""

        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setBackgroundBrush(self.palette().dark())
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # Content ------------------------------------------------------------------------

    @property
    def has_image(self) -> bool:
        return self._image_size is not None

    @property
    def image_size(self) -> tuple[int, int] | None:
        return self._image_size

    @property
    def overlay_visible(self) -> bool:
        return self._overlay_item.isVisible()

    @property
    def overlay_opacity(self) -> float:
        return self._overlay_item.opacity()

    @property
    def overlay_item(self) -> QGraphicsPixmapItem:
        return self._overlay_item

    @property
    def overlay_image(self) -> QImage:
        """The overlay as last set, before scaling; null when there is none."""
        return self._overlay_image

    def set_image(self, image: QImage, keep_view: bool = False) -> None:
        """Show ``image`` and fit it to the window, unless ``keep_view`` and the size
        is unchanged (as when the same image is decoded again)."""
        size = (image.width(), image.height())
        same_size = size == self._image_size
        self._image_item.setPixmap(QPixmap.fromImage(image))
        self._image_size = size
        self._scene.setSceneRect(QRectF(0, 0, size[0], size[1]))
        self._placeholder = ""
        if not (keep_view and same_size):
            self.clear_overlay()
            self.fit_to_window()
        self.viewport().update()

    def clear_image(self, placeholder: str = "") -> None:
        """Remove the image and the overlay, and show ``placeholder`` text instead."""
        self._image_item.setPixmap(QPixmap())
        self.clear_overlay()
        self._image_size = None
        self._placeholder = placeholder
        self._scene.setSceneRect(QRectF(0, 0, 1, 1))
        self.viewport().update()

    def set_placeholder(self, text: str) -> None:
        """Show ``text`` over the view; shown only while no image is set."""
        self._placeholder = text
        self.viewport().update()

    def set_overlay(self, overlay: QImage) -> None:
        """Show ``overlay`` stretched over the whole image.

        The overlay may be smaller than the image (see ``overlay_size``). It is scaled
        on each axis separately so its edges meet the image's edges exactly.
        """
        if self._image_size is None or overlay.isNull():
            self.clear_overlay()
            return
        width, height = self._image_size
        self._overlay_image = overlay
        self._overlay_item.setPixmap(QPixmap.fromImage(overlay))
        self._overlay_item.setTransform(
            QTransform.fromScale(width / overlay.width(), height / overlay.height())
        )
        self._overlay_item.setVisible(True)

    def clear_overlay(self) -> None:
        self._overlay_image = QImage()
        self._overlay_item.setVisible(False)
        self._overlay_item.setPixmap(QPixmap())

    def set_overlay_opacity(self, opacity: float) -> None:
        """Set the overlay opacity, 0 to 1; the overlay's own alpha multiplies it."""
        self._overlay_item.setOpacity(min(1.0, max(0.0, opacity)))

    # Zoom ---------------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        """Device pixels per image pixel."""
        return self.transform().m11() * self.devicePixelRatioF()

    @property
    def fits_window(self) -> bool:
        return self._fit

    def set_zoom(self, zoom: float) -> None:
        """Zoom to ``zoom`` device pixels per image pixel, within 1% and 3200%."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self._fit = False
        self._apply_scale(zoom / self.devicePixelRatioF())

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def actual_pixels(self) -> None:
        """Zoom to 100%: one image pixel per device pixel."""
        self.set_zoom(1.0)

    def fit_to_window(self) -> None:
        """Zoom so the whole image fits, and keep fitting as the window resizes."""
        self._fit = True
        self._fit_now()

    def _fit_now(self) -> None:
        if self._image_size is None:
            return
        width, height = self._image_size
        viewport = self.viewport().rect()
        if viewport.width() <= 1 or viewport.height() <= 1:
            return
        scale = min(viewport.width() / width, viewport.height() / height)
        self._apply_scale(scale)
        self.centerOn(width / 2, height / 2)

    def _apply_scale(self, scale: float) -> None:
        self.setTransform(QTransform.fromScale(scale, scale))
        # Magnified pixels stay sharp squares, as in an image editor at high zoom.
        magnified = scale * self.devicePixelRatioF() > 1.0 + 1e-6
        mode = (
            Qt.TransformationMode.FastTransformation
            if magnified
            else Qt.TransformationMode.SmoothTransformation
        )
        self._image_item.setTransformationMode(mode)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not magnified)
        self.zoom_changed.emit(self.zoom)

    # Events -------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self._image_size is None:
            return
        steps = event.angleDelta().y() / WHEEL_NOTCH
        if steps == 0:
            return
        self.set_zoom(self.zoom * math.pow(ZOOM_STEP, steps))
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit:
            self._fit_now()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if event.key() == Qt.Key.Key_Left:
                self.navigate_requested.emit(-1)
                return
            if event.key() == Qt.Key.Key_Right:
                self.navigate_requested.emit(1)
                return
        super().keyPressEvent(event)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self._image_size is not None or not self._placeholder:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(self.palette().brightText().color())
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.drawText(
            self.viewport().rect().adjusted(24, 24, -24, -24),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._placeholder,
        )
        painter.restore()
