"""The data layer: reading and writing tables, what a table means (its spec), and the checks
and the one coercion at the boundary. It imports no other layer.
"""
