"""The map's drawing (issue 17), shared by the map screen and the wall's map:
:mod:`.viewport` (what is in view, at what scale: pure arithmetic), :mod:`.raster`
(a window of the city drawn into cells), :mod:`.canvas` (the widget that paints a
view of it), :mod:`.legend` (the words beside it) and :mod:`.loading` (one load, in a
worker)."""
