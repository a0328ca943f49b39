"""The report's wire: what crosses between the teacher's report and a student's kernel, as
JSON, never a pickle (``Codec``, ``dumps``), and the kernel's agent (``Agent``), which the
report runs in the kernel to answer its requests.
"""

# Only data crosses: numbers, strings, lists, tuples, dicts, NumPy arrays (numbers,
# booleans, strings), None, ..., and chapter 14's Value graphs and Dual numbers as their
# fields. A function crosses as a reference: calling it on the other side sends its
# arguments back as data and waits for the result as data. Anything else arrives as an
# Opaque stand-in that only knows its type's name and a short repr.
# The report runs this file's source in the kernel (loading it imports nothing of
# nnbook.exercises; watch_checks then counts the calls of the kernel's own check), where serve answers the report's requests by printing nothing and
# sending each reply through input() (the Jupyter stdin channel), after a nonce the report
# chose for that request. What the kernel sends can only ever be the student's values: the
# checker, the expected answers and the verdict stay in the report.

from __future__ import annotations

import builtins
import json
import math

MAX_CHARS = 32 * 2 ** 20          # a reply longer than this is refused (32 M characters)
_SHORT = 120


class Opaque:
    """A value the wire cannot carry; its class takes the name of the value's type."""

    text = ""

    def __repr__(self):
        return self.text

    __str__ = __repr__


def opaque(type_name: str, text: str):
    cls = type(str(type_name)[:60] or "object", (Opaque,), {})
    obj = cls()
    obj.text = str(text)[:_SHORT]
    return obj


def _short(obj) -> str:
    try:
        text = " ".join(repr(obj).split())
    except BaseException:                               # a repr that raises
        text = f"<{type(obj).__name__}>"
    return text[:_SHORT]


def _float(x):
    return x if math.isfinite(x) else {"t": "float", "v": repr(x)}


class Codec:
    """One side's encoder and decoder. ``side`` prefixes the references it hands out;
    ``make_function(ref, name, source, imports)`` builds the stand-in for a function of the peer."""

    def __init__(self, side: str, make_function):
        self.side, self.make_function, self.count = side, make_function, 0
        self.mine, self.sent = {}, {}       # ref -> object sent; id(object) -> ref
        self.peer = {}                      # id(stand-in) -> (the stand-in, the peer's ref)

    def _ref(self, obj) -> str:
        if id(obj) not in self.sent:
            self.count += 1
            ref = f"{self.side}{self.count}"
            self.sent[id(obj)], self.mine[ref] = ref, obj
        return self.sent[id(obj)]

    def encode(self, obj):
        return self._enc(obj, 0, set())

    def _enc(self, obj, depth, seen):
        if depth > 200:
            return {"t": "opaque", "type": type(obj).__name__, "repr": "(nested too deep)"}
        if id(obj) in self.peer:                          # it came from the peer: send it back
            return {"t": "back", "ref": self.peer[id(obj)][1]}
        kind = type(obj).__name__
        if obj is None or isinstance(obj, (bool, str)):
            return obj if type(obj) in (bool, str, type(None)) else self._scalar(obj)
        if type(obj) is int:
            return obj
        if type(obj) is float:
            return _float(obj)
        if obj is Ellipsis:
            return {"t": "ellipsis"}
        if isinstance(obj, (tuple, list)):
            return {"t": "tuple" if isinstance(obj, tuple) else "list",
                    "v": [self._enc(x, depth + 1, seen) for x in obj]}
        if isinstance(obj, dict):
            return {"t": "dict", "v": [[self._enc(k, depth + 1, seen), self._enc(v, depth + 1, seen)]
                                       for k, v in obj.items()]}
        if kind == "ndarray":
            return self._array(obj, depth, seen)
        if kind == "Dual" and hasattr(obj, "tangent"):
            return {"t": "dual", "data": self._number(obj.data), "tangent": self._number(obj.tangent)}
        if hasattr(obj, "parents") and hasattr(obj, "local_grads") and hasattr(obj, "data"):
            return self._value(obj, depth, seen)
        if callable(obj):
            try:
                import inspect
                import textwrap
                source = textwrap.dedent(inspect.getsource(obj))
            except BaseException:
                source = None
            return {"t": "fn", "ref": self._ref(obj), "name": str(getattr(obj, "__name__", kind)),
                    "source": source, "imports": _imports(obj)}
        return self._scalar(obj)

    def _number(self, x):
        try:
            return _float(float(x))
        except BaseException:
            return {"t": "opaque", "type": type(x).__name__, "repr": _short(x)}

    def _scalar(self, obj):
        dtype = getattr(obj, "dtype", None)
        if dtype is not None and getattr(obj, "shape", None) == () and dtype.kind in "biuf":
            value = obj.item()
            return {"t": "npscalar", "dtype": dtype.str,
                    "v": _float(value) if isinstance(value, float) else value}
        if isinstance(obj, float):
            return _float(float(obj))
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, str):
            return str(obj)
        return {"t": "opaque", "type": type(obj).__name__, "repr": _short(obj)}

    def _array(self, arr, depth, seen):
        if arr.dtype.kind in "biuU":
            return {"t": "nd", "dtype": arr.dtype.str, "shape": list(arr.shape),
                    "v": arr.ravel().tolist()}
        if arr.dtype.kind == "f":
            return {"t": "nd", "dtype": arr.dtype.str, "shape": list(arr.shape),
                    "v": [_float(x) for x in arr.ravel().tolist()]}
        if arr.dtype.kind == "O":
            return {"t": "ndobj", "shape": list(arr.shape),
                    "v": [self._enc(x, depth + 1, seen) for x in arr.ravel().tolist()]}
        return {"t": "opaque", "type": "ndarray", "repr": f"an array of dtype {arr.dtype}"}

    def _value(self, node, depth, seen):
        ref = self._ref(node)
        if ref in seen:                                    # already in this message
            return {"t": "vref", "ref": ref}
        seen.add(ref)
        return {"t": "value", "ref": ref, "data": self._number(node.data),
                "grad": self._number(getattr(node, "grad", 0.0)),
                "op": str(getattr(node, "op", "")), "label": str(getattr(node, "label", "")),
                "parents": [self._enc(p, depth + 1, seen) for p in tuple(node.parents)],
                "local_grads": [self._number(g) for g in tuple(node.local_grads)]}

    # decoding -------------------------------------------------------------------------
    def decode(self, data, nodes=None):
        nodes = {} if nodes is None else nodes
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):                 # only inside tagged data
            return [self.decode(x, nodes) for x in data]
        if not isinstance(data, dict):
            return opaque("object", "?")
        tag = data.get("t")
        if tag == "float":
            return float(data["v"])
        if tag == "ellipsis":
            return Ellipsis
        if tag in ("tuple", "list"):
            items = [self.decode(x, nodes) for x in data["v"]]
            return tuple(items) if tag == "tuple" else items
        if tag == "dict":
            out = {}
            for k, v in data["v"]:
                key = self.decode(k, nodes)
                try:
                    out[key] = self.decode(v, nodes)
                except TypeError:                                  # an unhashable key
                    return opaque("dict", "a dict whose keys cannot be used as keys")
            return out
        if tag in ("nd", "ndobj", "npscalar"):
            return self._decode_array(data, nodes)
        if tag == "dual":
            from nnbook.autodiff import Dual
            d = Dual.__new__(Dual)
            d.data, d.tangent = self.decode(data["data"]), self.decode(data["tangent"])
            return d
        if tag == "back":
            return self.mine[data["ref"]]
        if tag == "vref":
            return nodes[data["ref"]]
        if tag == "value":
            return self._decode_value(data, nodes)
        if tag == "fn":
            fn = self.make_function(data["ref"], str(data.get("name")), data.get("source"),
                                    _imports_read(data.get("imports")))
            self.peer[id(fn)] = (fn, data["ref"])
            return fn
        return opaque(data.get("type", "object"), data.get("repr", ""))

    def _decode_array(self, data, nodes):
        import numpy as np
        try:
            if data["t"] == "npscalar":
                return np.dtype(data["dtype"]).type(self.decode(data["v"], nodes))
            if data["t"] == "ndobj":
                arr = np.empty(len(data["v"]), dtype=object)
                arr[:] = [self.decode(x, nodes) for x in data["v"]]
                return arr.reshape(data["shape"])
            values = [self.decode(x, nodes) for x in data["v"]]
            return np.array(values, dtype=np.dtype(data["dtype"])).reshape(data["shape"])
        except (TypeError, ValueError, KeyError, OverflowError):
            return opaque("ndarray", "an array the report could not rebuild")

    def _decode_value(self, data, nodes):
        from nnbook.autodiff import Value
        node = Value.__new__(Value)
        nodes[data["ref"]] = node
        node.data, node.grad = self.decode(data["data"]), self.decode(data["grad"])
        node.op, node.label = data["op"], data["label"]
        node.parents = tuple(self.decode(p, nodes) for p in data["parents"])
        node.local_grads = tuple(self.decode(g, nodes) for g in data["local_grads"])
        self.peer[id(node)] = (node, data["ref"])
        return node


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def raised(exc: BaseException) -> dict:
    try:
        text = " ".join(str(exc).split())[:300]
    except BaseException:
        text = ""
    return {"kind": "raised", "type": type(exc).__name__[:60], "message": text}


# the kernel's side ------------------------------------------------------------------------
def _imports(fn) -> list:
    """How to rebuild the globals a function uses that are modules or importable objects:
    ``[name, module, qualname]`` (qualname "" for a module itself). A process of the report's
    own can then run the function's source with them (exercise 37.1); names bound to anything
    else (a number, an array, a function of the notebook) are left out."""
    g, code = getattr(fn, "__globals__", None), getattr(fn, "__code__", None)
    if not isinstance(g, dict) or code is None:
        return []
    out = []
    for name in sorted(set(code.co_names)):
        if name not in g:
            continue
        value = g[name]
        if type(value).__name__ == "module":
            out.append([name, str(value.__name__), ""])
            continue
        module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
        if isinstance(module, str) and isinstance(qualname, str) and module != "__main__" \
                and "<" not in qualname:
            out.append([name, module, qualname])
    return out


def _imports_read(data) -> tuple:
    """The peer's ``_imports`` list, kept only where it is three strings a row."""
    if not isinstance(data, list):
        return ()
    return tuple(tuple(row) for row in data
                 if isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) for x in row))


class Agent:
    """Runs in the student's kernel: answers the report's requests with data."""

    def __init__(self):
        self.nonce = ""
        self.codec = Codec("K", self._callback)
        self.checks = {}                     # exercise -> calls of nb.exercises.check since asked

    def watch_checks(self) -> None:
        """Count the calls of ``nb.exercises.check`` per exercise (the report flags a cell that
        checks its exercise more than once: it may search for the answer with the checker)."""
        import functools
        import nnbook.exercises as exercises
        real, agent = exercises.check, self

        @functools.wraps(real)
        def check(ex_id, answer):
            try:
                chapter, _, number = str(ex_id).strip().partition(".")    # "5.3" is "05.3"
                key = (f"{int(chapter):02d}.{int(number)}" if chapter.isdigit() and number.isdigit()
                       else str(ex_id).strip())
                agent.checks[key] = agent.checks.get(key, 0) + 1
            except BaseException:
                pass
            return real(ex_id, answer)

        exercises.check = check

    def send(self, message: dict) -> str:
        return input(self.nonce + dumps(message))

    def _callback(self, ref, name, source, imports=()):
        agent = self

        def from_the_report(*args):
            reply = json.loads(agent.send({"kind": "callback", "ref": ref,
                                            "args": agent.codec.encode(args)}))
            if "raised" in reply:
                cls = getattr(builtins, reply["raised"], None)
                if not (isinstance(cls, type) and issubclass(cls, Exception)):
                    cls = type(str(reply["raised"]), (Exception,), {})
                raise cls(reply.get("message", ""))
            return agent.codec.decode(reply["value"])

        from_the_report.__name__ = name
        return from_the_report

    def serve(self, request: str, user_ns: dict) -> None:
        request = json.loads(request)
        self.nonce = request["nonce"]
        try:
            if request["op"] == "probe":
                value = eval(request["expr"], user_ns)
            elif request["op"] == "checks":
                value, self.checks = {str(k): int(v) for k, v in self.checks.items()}, {}
            else:
                fn, args = self.codec.mine[request["ref"]], self.codec.decode(request["args"])
                value = fn(*args)
            message = {"kind": "value", "value": self.codec.encode(value)}
        except BaseException as exc:                   # SystemExit and KeyboardInterrupt too
            message = raised(exc)
        self.send(message)
