"""The HTTP API, the ``tanlu`` command and the settings: the outer layer over ``index``."""
