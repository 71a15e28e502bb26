"""Everything that knows Excel exists: the template, its UDFs and macros, and the zero-install export."""
