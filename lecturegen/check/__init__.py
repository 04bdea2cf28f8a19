"""`lecturegen check`: audit legacy lecture snippets against the installed libraries."""
