"""Content: the catalogue every kind shares (`catalogue`), its cached reads (`reads`), the
metadata framework and matching, and one module per kind of content (`movies`, `tv`),
registered in `registry`."""
