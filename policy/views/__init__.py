"""HTML views of the program, one module per area; urls.py imports from the modules."""
