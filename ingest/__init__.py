"""Documents -> validated metadata, sections with heading paths, chunks and tokens.

Knows nothing of ``index`` or ``api``.
"""
