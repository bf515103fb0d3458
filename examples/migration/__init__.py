"""An incremental migration, as a small but real site.

``python -m examples.migration`` serves it on http://127.0.0.1:8000/ (log in
as ``alice`` / ``wonderland``). ``site.py`` mounts the apps; see its module
docstring for the map, and README.md for the tour.
"""
