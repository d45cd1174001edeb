"""The map's rules (issue 17): which grid a point is in, what a valid boundary file is,
how outlines are generated for a generated city, how open tickets are clustered and how
hot an area is. Geometry through shapely; no storage, no UI."""
