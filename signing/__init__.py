"""PDF rendering (reportlab), PAdES signing (endesive) and verification (pyHanko).

A library with no Flask and no database; the procedures call it through handlers.
"""
