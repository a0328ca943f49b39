"""What comes back from a student's kernel to the report (report.py, kernel.py): the
student's function as ``RemoteFunction`` (a call sends its arguments to the kernel as data
and brings the result back as data), the student's exceptions rebuilt by name, and the
errors of a kernel that stopped answering (``KernelGone``) or an answer that cannot be read.
"""

from __future__ import annotations

__all__ = ["KernelGone", "AnswerUnreadable", "RemoteFunction"]


class KernelGone(Exception):
    """The kernel stopped answering: it died, or a request ran out of time."""


class AnswerUnreadable(Exception):
    """The answer's expression raised in the kernel, or its value could not be sent."""


class RemoteFunction:
    """The student's function, as the checker sees it: a call sends the arguments to the
    kernel as data and brings the result back as data."""

    def __init__(self, kernel, ref: str, name: str, source: str | None,   # kernel.Kernel
                 imports: tuple = ()):
        self._kernel, self._ref, self.__name__ = kernel, ref, name
        self.__nnbook_source__ = source
        # the globals the function uses that are modules or importable objects, as
        # (name, module, qualname): with its source, enough to run it in a process of the
        # report's own (exercise 37.1, whose argument cannot cross to the kernel)
        self.__nnbook_imports__ = tuple(imports)

    def __call__(self, *args):
        k = self._kernel
        try:
            reply = k.ask({"op": "call", "ref": self._ref, "args": k.codec.encode(args)})
        except KernelGone as gone:
            k.failure = str(gone)
            raise
        if reply.get("kind") == "raised":
            raise _exception(reply.get("type"), reply.get("message", ""))
        try:
            return k.codec.decode(reply.get("value"))
        except Exception:
            raise _exception("ReportError", "the kernel sent something that is not a result") from None

    def __repr__(self):
        return f"<function {self.__name__}>"


def _exception(name, message) -> BaseException:
    """The student's exception, rebuilt by name (a builtin one as itself)."""
    import builtins
    cls = getattr(builtins, str(name), None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)) or cls is KeyboardInterrupt:
        cls = type(str(name)[:60] or "Exception", (Exception,), {})
    return cls(message)
