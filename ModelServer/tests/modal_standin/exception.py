"""The stand-in's ``modal.exception``: the two errors Modal's client raises at import and deploy time."""


class Error(Exception):
    """Base of Modal's client errors."""


class InvalidError(Error):
    """An argument or a decorator use the client refuses."""


class LocalFunctionError(InvalidError):
    """A function not defined in global scope, used where Modal must import it (``modal/_utils/function_utils.py``)."""
