"""The sandboxed script engine: every BPMN script, condition and timer expression runs here.

BPMN is edited in a browser, so each script is untrusted input. Scripts are compiled with
RestrictedPython plus our own policy (no imports, no ``try``, bounded ``**`` and ``*``),
run with a whitelist of pure builtins and guarded attribute/item access, stopped by a
per-thread ``sys.settrace`` step budget, and only plain data is copied back into the task.

Known limit: the guards bound single huge operations (``10**10**10``, ``'x' * 10**10``,
``'x'.ljust(10**10)``), not every way of doubling a value (``l.extend(l)`` in a loop);
workers need a process memory limit as the last line of defence.
"""

from __future__ import annotations

import ast
import builtins
import copy
import json
import operator
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any, Literal

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr_raise,
)
from RestrictedPython.Limits import limited_builtins
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

Mode = Literal["exec", "eval"]
VisitResult = ast.AST | Iterable[ast.AST] | None
Helpers = Mapping[str, Callable[..., Any]]
ServiceCaller = Callable[[str, dict[str, Any], dict[str, Any]], Any]

DEFAULT_LINE_BUDGET = 100_000
MAX_EXPONENT = 64
MAX_REPEAT = 1_000
MAX_SEQUENCE_LEN = 1_000_000
MAX_INT_BITS = 4_096
MAX_FORMAT_WIDTH = 1_000
# SpiffWorkflow finds the failing line by looking for this file name in the traceback.
SCRIPT_FILENAME = "<string>"
RESERVED_DATA_KEY = "typename"
# Builtins that are absent from the sandbox anyway; naming them is refused up front.
FORBIDDEN_NAMES = frozenset(
    {"open", "exec", "eval", "compile", "globals", "locals", "vars", "getattr", "dir", "breakpoint",
     "input", "memoryview", "help", "exit", "quit", "super"}
)  # fmt: skip
# str.format can reach attributes of its arguments: '{0.__class__}'.format(x).
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map"})


class ScriptRejected(Exception):
    """The script does not compile under the sandbox rules or would store forbidden data."""


class ScriptTimeout(Exception):
    """The script used up its step budget (an endless or far too long loop)."""


class ScriptLimitExceeded(Exception):
    """The script tried to build a value larger than the sandbox allows."""


# ---------------------------------------------------------------- compile-time policy


def _number_literal(node: ast.expr) -> int | float | None:
    """The value of an int/float literal, possibly negated, else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number_literal(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value) if isinstance(node.value, float) else int(node.value)  # type: ignore[arg-type]
    return None


def _is_sequence_literal(node: ast.expr) -> bool:
    """True for str/bytes literals, f-strings and list/tuple displays."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    return isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple))


def _is_small_count(node: ast.expr) -> bool:
    """True for an int literal between 0 and MAX_REPEAT."""
    value = _number_literal(node)
    return type(value) is int and 0 <= value <= MAX_REPEAT


_PERCENT_SPEC = re.compile(r"%%|%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


def percent_format_problem(fmt: str) -> str | None:
    """Why a ``%``-format string could build a huge string (``*`` or a huge width), or None."""
    for match in _PERCENT_SPEC.finditer(fmt):
        for part in match.groups():
            if part == "*" or (part and int(part) > MAX_FORMAT_WIDTH):
                return f"'%' format widths must be literal numbers of at most {MAX_FORMAT_WIDTH}"
    return None


def _binop_problem(node: ast.BinOp) -> str | None:
    """Our static rule for one binary operation, or None when it is acceptable."""
    if isinstance(node.op, ast.Pow):
        base, exponent = _number_literal(node.left), _number_literal(node.right)
        if base is None or exponent is None or abs(exponent) > MAX_EXPONENT:
            return f"'**' needs a number literal base and a literal exponent of at most {MAX_EXPONENT}"
    elif isinstance(node.op, ast.LShift):
        shift = _number_literal(node.right)
        if shift is None or abs(shift) > MAX_EXPONENT:
            return f"'<<' needs a literal shift of at most {MAX_EXPONENT}"
    elif isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            if _is_sequence_literal(seq) and not _is_small_count(count):
                return f"repeating a literal with '*' needs a literal count of at most {MAX_REPEAT}"
    elif isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        fmt = node.left.value
        return percent_format_problem(fmt) if isinstance(fmt, str) else None
    return None


def _format_spec_problem(spec: ast.expr | None) -> str | None:
    """Why an f-string format specification could build a huge string, or None."""
    if spec is None:
        return None
    parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    text = ""
    for part in parts:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            return "f-string format specifications must be literal"
        text += part.value
    if any(int(number) > MAX_FORMAT_WIDTH for number in re.findall(r"\d+", text)):
        return f"f-string widths must be at most {MAX_FORMAT_WIDTH}"
    return None


_GUARDED_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Mult: "*",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.Mod: "%",
}


def _call(name: str, args: list[ast.expr], like: ast.expr) -> ast.Call:
    """An AST call of the guard function ``name`` located where ``like`` is."""
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    for node in (call, call.func, *args):
        if not hasattr(node, "lineno"):
            copy_locations(node, like)
    return call


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus ours; also routes size-sensitive operators through guards."""

    def _forbid(self, node: ast.AST, what: str) -> ast.AST:
        self.error(node, f"{what} are not allowed in BPMN scripts")
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return self._forbid(node, "import statements")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return self._forbid(node, "import statements")

    def visit_Try(self, node: ast.Try) -> ast.AST:
        # An except clause could swallow ScriptTimeout and loop on without a budget.
        return self._forbid(node, "try statements")

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return self._forbid(node, "class definitions")

    def visit_With(self, node: ast.With) -> ast.AST:
        return self._forbid(node, "with statements")

    def visit_Name(self, node: ast.Name) -> VisitResult:
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f'"{node.id}" is not available in BPMN scripts')
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> VisitResult:
        if node.attr in FORBIDDEN_ATTRIBUTES:
            self.error(node, f'".{node.attr}()" is not allowed in BPMN scripts; use an f-string')
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        problem = _binop_problem(node)
        if problem:
            self.error(node, problem)
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        return _call("_binop_", [ast.Constant(symbol), node.left, node.right], node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        problem = _format_spec_problem(node.format_spec)
        if problem:
            self.error(node, problem)
        return self.node_contents_visit(node)

    def visit_While(self, node: ast.While) -> ast.AST:
        # `while True: pass` compiles to a jump onto itself, which emits no trace events.
        node = self.node_contents_visit(node)
        node.test = _call("_loop_", [node.test], node.test)
        return node


@lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> tuple[Any, tuple[str, ...]]:
    """Compile ``source`` under the sandbox policy: (code or None, problems). Cached."""
    # Scripts typed inside XML elements often carry the element's indentation.
    text = source.strip() if mode == "eval" else textwrap.dedent(source)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(text, filename=SCRIPT_FILENAME, policy=SandboxPolicy)
    return result.code, tuple(result.errors)


def check_source(source: str, mode: Literal["exec", "eval"]) -> list[str]:
    """All problems that keep ``source`` from running in the sandbox (empty when fine)."""
    return list(_compile(source, mode)[1])


def compile_checked(source: str, mode: Mode) -> Any:
    """The compiled code for ``source``, or ScriptRejected naming every problem."""
    code, problems = _compile(source, mode)
    if problems or code is None:
        raise ScriptRejected("; ".join(problems) or "the script could not be compiled")
    return code


@lru_cache(maxsize=4096)
def names_in(code: CodeType) -> frozenset[str]:
    """Every name compiled code (and the functions and comprehensions inside it) may load, store
    or delete as a global: the only way sandboxed code reaches the data it runs on."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= names_in(const)
    return frozenset(names)


# ---------------------------------------------------------------- run-time guards


def _check_sizes(op: str, left: Any, right: Any) -> None:
    """Refuse operations whose result would exceed the sandbox size limits."""
    sized = (str, bytes, list, tuple)
    if op == "+" and isinstance(left, sized) and isinstance(right, sized):
        too_big = len(left) + len(right) > MAX_SEQUENCE_LEN
    elif op == "*" and isinstance(left, sized) and isinstance(right, int):
        too_big = len(left) * right > MAX_SEQUENCE_LEN
    elif op == "*" and isinstance(left, int) and isinstance(right, sized):
        too_big = left * len(right) > MAX_SEQUENCE_LEN
    elif op == "*" and isinstance(left, int) and isinstance(right, int):
        too_big = left.bit_length() + right.bit_length() > MAX_INT_BITS
    elif op == "**" and isinstance(left, int) and isinstance(right, int):
        too_big = left.bit_length() * right > MAX_INT_BITS
    elif op == "<<" and isinstance(left, int) and isinstance(right, int):
        too_big = left.bit_length() + right > MAX_INT_BITS
    elif op == "%" and isinstance(left, (str, bytes)):
        fmt = left if isinstance(left, str) else left.decode("latin-1")
        too_big = percent_format_problem(fmt) is not None
    else:
        too_big = False
    if too_big:
        raise ScriptLimitExceeded(f"the result of {op!r} would be larger than the sandbox allows")


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "<<": operator.lshift,
    "%": operator.mod,
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
    "@=": operator.imatmul,
}  # fmt: skip


def _guarded_binop(op: str, left: Any, right: Any) -> Any:
    """``left op right`` after the size check."""
    _check_sizes(op, left, right)
    return _BINARY[op](left, right)


def _guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    """``target op= value`` (RestrictedPython's ``_inplacevar_``) after the size check."""
    _check_sizes(op[:-1], target, value)
    return _INPLACE[op](target, value)


_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_BLOCKED_METHODS = frozenset({"expandtabs", "translate"})


def _bounded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a padding method so that it refuses widths above MAX_SEQUENCE_LEN."""

    def call(*args: Any) -> Any:
        if any(isinstance(arg, int) and arg > MAX_SEQUENCE_LEN for arg in args):
            raise ScriptLimitExceeded("the requested width is larger than the sandbox allows")
        return method(*args)

    return call


def _guarded_getattr(obj: Any, name: str) -> Any:
    """RestrictedPython's ``safer_getattr`` (raising when missing) with bounded str padding."""
    value = safer_getattr_raise(obj, name)  # type: ignore[no-untyped-call]
    if isinstance(obj, (str, bytes)) or obj is str or obj is bytes:
        if name in _BLOCKED_METHODS:
            raise AttributeError(f"{name!r} is not available in BPMN scripts")
        if name in _PADDING_METHODS:
            return _bounded(value)
    return value


def _guarded_getitem(obj: Any, key: Any) -> Any:
    """``obj[key]``, refusing private-looking string keys."""
    if isinstance(key, str) and key.startswith("_"):
        raise KeyError(key)
    return obj[key]


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """RestrictedPython's ``_apply_``: a call written with ``*args`` or ``**kwargs``."""
    return func(*args, **kwargs)


def _loop(value: Any) -> Any:
    """Identity wrapper around a ``while`` test so that each iteration is traced."""
    return value


_EXTRA_BUILTINS = (
    "sum min max sorted any all len abs round enumerate zip dict set str int float bool isinstance"
)
# pow() can hang on a huge exponent; the exception classes below would stop a worker if raised.
_UNSAFE_BUILTINS = (
    "pow", "__build_class__", "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"
)  # fmt: skip


def _sandbox_builtins() -> dict[str, Any]:
    """safe_builtins + limited_builtins + our pure extras, minus what can hang or kill a worker."""
    result = {**safe_builtins, **limited_builtins}
    result.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS.split()})
    for name in _UNSAFE_BUILTINS:
        result.pop(name, None)
    return result


SANDBOX_GLOBALS: Mapping[str, Any] = {
    "__builtins__": _sandbox_builtins(),
    "__name__": "bpmn_script",
    "_getattr_": _guarded_getattr,
    "_getitem_": _guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _guarded_inplacevar,
    "_binop_": _guarded_binop,
    "_apply_": _apply,
    "_loop_": _loop,
    "_print_": PrintCollector,
}


class _StepBudget:
    """A trace function that counts calls and lines of script code and stops at the limit."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.remaining = steps

    def trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        """Count ``call`` and ``line`` events of script frames; helpers run untraced."""
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        if event in ("call", "line"):
            self.remaining -= 1
            if self.remaining < 0:
                raise ScriptTimeout(f"the script ran for more than {self.steps} steps")
        return self.trace


def run_with_budget(code: Any, scope: dict[str, Any], steps: int) -> Any:
    """Run compiled ``code`` in ``scope`` on this thread under a step budget."""
    previous = sys.gettrace()
    sys.settrace(_StepBudget(steps).trace)
    try:
        return eval(code, scope)
    finally:
        sys.settrace(previous)


# ---------------------------------------------------------------- data going back to the task

_SCALARS = (type(None), bool, int, float, str, datetime, date, timedelta)


def is_plain_data(value: Any, depth: int = 0) -> bool:
    """True for JSON-like data (plus dates) that the workflow serializer can store."""
    if depth > 50:
        return False
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_plain_data(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(type(k) is str and is_plain_data(v, depth + 1) for k, v in value.items())
    return False


def check_data_keys(name: str, value: Any) -> None:
    """Raise ScriptRejected if ``name`` or any nested dict key is ``typename`` or starts with ``_``."""
    if name == RESERVED_DATA_KEY or name.startswith("_"):
        raise ScriptRejected(f"the data key {name!r} is reserved and cannot be stored")
    if isinstance(value, dict):
        for key, item in value.items():
            check_data_keys(key, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_data_keys("item", item)


def _unchanged(old: Any, new: Any) -> bool:
    """True when a script left a value as it was."""
    return old is new or (type(old) is type(new) and old == new)


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """A SpiffWorkflow script environment that runs everything in the sandbox."""

    def __init__(self, helpers: Helpers | None = None, line_budget: int = DEFAULT_LINE_BUDGET) -> None:
        super().__init__(dict(helpers or {}))
        self.line_budget = line_budget

    def _scope(
        self, code: Any, context: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """Globals for one run: helpers, external context, a deep copy of the data the code names,
        then guards. Sandboxed code reaches a global only by its name (no `globals()`, no `__`
        attributes), so data it does not name need not be copied: a registration's task data is
        several kilobytes, and every gateway condition and task expression copied all of it."""
        scope: dict[str, Any] = dict(self.globals)
        scope.update(external or {})
        named = names_in(code)
        scope.update(copy.deepcopy({k: v for k, v in context.items() if k in named}))
        scope.update(SANDBOX_GLOBALS)
        return scope

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> Any:
        """Evaluate an expression in the sandbox; the result must be plain data."""
        code = compile_checked(expression, "eval")
        result = run_with_budget(code, self._scope(code, context, external_context), self.line_budget)
        if not is_plain_data(result):
            raise ScriptRejected(f"the expression returned a {type(result).__name__}, not plain data")
        return result

    def execute(
        self, script: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> bool:
        """Run a script in the sandbox and copy new or changed plain data back into ``context``."""
        self.check_for_overwrite(context, external_context or {})
        code = compile_checked(script, "exec")
        scope = self._scope(code, context, external_context)
        run_with_budget(code, scope, self.line_budget)
        self._write_back(code, scope, context, set(external_context or ()))
        return True

    def _write_back(
        self, code: Any, scope: dict[str, Any], context: dict[str, Any], external: set[str]
    ) -> None:
        """Apply deletions and plain-data changes made by a script to the task data."""
        named = names_in(code)
        for name in [key for key in context if key in named and key not in scope]:
            del context[name]
        for name, value in scope.items():
            if name in SANDBOX_GLOBALS or name in external or name.startswith("_"):
                continue  # guards, data objects, RestrictedPython internals such as _print
            if name in self.globals:
                if value is not self.globals[name]:
                    raise ScriptRejected(f"the script assigns to the helper name {name!r}")
                continue
            if (name in context and _unchanged(context[name], value)) or not is_plain_data(value):
                continue
            check_data_keys(name, value)
            context[name] = value


# ---------------------------------------------------------------- the engine


class RestrictedScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """PythonScriptEngine on the sandbox, with service tasks routed to one callback."""

    def __init__(self, environment: RestrictedEnvironment, service_caller: ServiceCaller | None) -> None:
        super().__init__(environment=environment)
        self.service_caller = service_caller

    def call_service(
        self, task: Any, operation_name: str, operation_params: Mapping[str, Mapping[str, Any]]
    ) -> str:
        """Call the service callback with plain parameter values; return its result as JSON."""
        if self.service_caller is None:
            raise WorkflowTaskException(f"no service is available for '{operation_name}'", task=task)
        params = {name: param["value"] for name, param in operation_params.items()}
        try:
            result = self.service_caller(operation_name, params, task.data)
            return json.dumps(result, default=str)
        except SpiffWorkflowException:
            raise
        except Exception as err:
            message = f"Service '{operation_name}' failed: {type(err).__name__}: {err}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        """As PythonScriptEngine does, but also for exceptions whose first argument is not a str."""
        if isinstance(err, SpiffWorkflowException) or not err.args or isinstance(err.args[0], str):
            exception: Exception = super().create_task_exec_exception(task, script, err)
            return exception
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        detail = f"{type(err).__name__}:{err.args[0]!r}"
        wrapped: Exception = WorkflowTaskException(
            detail, task=task, exception=err, line_number=line_number, error_line=error_line
        )
        return wrapped


def make_script_engine(
    helpers: Mapping[str, Callable[..., Any]],
    call_service: Callable[[str, dict[str, Any], dict[str, Any]], Any] | None = None,
    line_budget: int = DEFAULT_LINE_BUDGET,
) -> PythonScriptEngine:
    """A SpiffWorkflow script engine that runs scripts in the sandbox with ``helpers`` as globals."""
    return RestrictedScriptEngine(RestrictedEnvironment(helpers, line_budget), call_service)


def evaluate_expression(
    expression: str, data: Mapping[str, Any], helpers: Mapping[str, Callable[..., Any]]
) -> Any:
    """Evaluate one of our own data expressions (e.g. ``assignTo``) in the sandbox."""
    return RestrictedEnvironment(helpers).evaluate(expression, dict(data))
