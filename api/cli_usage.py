"""The command line's usage errors in Chinese: a missing argument, an unknown option or
command, a value of the wrong type, one argument too many.

Why: typer printed them as click words them, in English, under the Chinese usage line:
「Missing argument 'query'.」, 「No such option: --bogus」, 「Invalid value for '-k' /
'--top-k': Input should be greater than or equal to 1」, 「Got unexpected extra
argument(s) (发电)」, then 「Try 'tanlu search --help' for help.」. The click that typer
bundles writes these with f-strings (there is no message catalogue to install), so each
kind is reworded here from the exception's own fields: its parameter, the option's
name, the suggestions, and the pydantic error a bad value was found by. A kind not known
here is shown as click wrote it, after 「命令行用法有误：」.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from typer._click.exceptions import BadOptionUsage, BadParameter, ClickException, MissingParameter, NoSuchOption

from api import messages

_KINDS = {"argument": "参数", "option": "选项"}
_EXTRA = re.compile(r"Got unexpected extra argument\(s\) \((?P<extra>.*)\)", re.DOTALL)
_COMMAND = re.compile(r"No such command (?P<name>'.*?')\.(?: Did you mean (?P<close>.+)\?)?", re.DOTALL)
_NEEDS_VALUES = re.compile(r"Option '.*' requires (?:an argument|(?P<count>\d+) arguments)\.")
_TAKES_NO_VALUE = re.compile(r"Option '.*' does not take a value\.")
_NOT_ONE_OF = re.compile(r"(?:Value error, )?(?P<given>'.*') is not one of (?P<choices>.+)\.", re.DOTALL)
# Why a value was refused, by the type of the pydantic error that refused it.
_REASONS = {
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
}
_BOUNDS = {
    "greater_than_equal": "不能小于",
    "greater_than": "应大于",
    "less_than_equal": "不能大于",
    "less_than": "应小于",
}


def chinese_message(error: ClickException) -> str:
    """What went wrong, in Chinese, for the error panel typer prints."""
    if isinstance(error, MissingParameter):
        return messages.CLI_MISSING.format(kind=_kind(error), name=_named(error))
    if isinstance(error, NoSuchOption):
        return messages.CLI_NO_SUCH_OPTION.format(
            name=error.option_name, close=_close(sorted(error.possibilities or ()))
        )
    if isinstance(error, BadOptionUsage):
        return _option_usage(error)
    if isinstance(error, BadParameter):
        return messages.CLI_BAD_VALUE.format(kind=_kind(error), name=_hint(error), reason=_reason(error))
    if found := _EXTRA.fullmatch(error.message):
        return messages.CLI_EXTRA_ARGUMENTS.format(extra=found["extra"])
    if found := _COMMAND.fullmatch(error.message):
        return messages.CLI_NO_SUCH_COMMAND.format(name=found["name"], close=_close((found["close"] or "").split(", ")))
    if error.message == "Missing command.":
        return messages.CLI_MISSING_COMMAND
    return messages.CLI_USAGE_ERROR.format(detail=error.format_message())


def _close(names: list[str]) -> str:
    """「（是否要用 'search'、'serve'？）」 for click's suggestions, if it made any."""
    names = [name for name in names if name]
    return messages.CLI_DID_YOU_MEAN.format(names="、".join(names)) if names else ""


def _kind(error: BadParameter) -> str:
    kind = getattr(error, "param_type", None) or (error.param.param_type_name if error.param else "")
    return _KINDS.get(kind, "参数")


def _hint(error: BadParameter) -> str:
    if error.param_hint is not None:
        hint = error.param_hint
        return hint if isinstance(hint, str) else " / ".join(f"'{item}'" for item in hint)
    return error.param.get_error_hint() if error.param is not None else ""


def _named(error: MissingParameter) -> str:
    """The parameter with what it is for: 「'query'：检索问题或关键词」."""
    described = getattr(error.param, "help", None)
    return f"{_hint(error)}：{described}" if described else _hint(error)


def _option_usage(error: BadOptionUsage) -> str:
    if found := _NEEDS_VALUES.fullmatch(error.message):
        amount = f" {found['count']} 个值" if found["count"] else "一个值"
        return messages.CLI_OPTION_NEEDS_VALUE.format(name=error.option_name, amount=amount)
    if _TAKES_NO_VALUE.fullmatch(error.message):
        return messages.CLI_OPTION_TAKES_NO_VALUE.format(name=error.option_name)
    return messages.CLI_USAGE_ERROR.format(detail=error.format_message())


def _reason(error: BadParameter) -> str:
    """Why the value was refused: from the pydantic error it was found by, when there is one."""
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors()[0]
        return _pydantic_reason(first["type"], first.get("ctx") or {}, str(first["msg"]))
    return error.message


def _pydantic_reason(kind: str, context: dict[str, Any], message: str) -> str:
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in _BOUNDS:
        return f"{_BOUNDS[kind]} {next(iter(context.values()), '')}"
    if found := _NOT_ONE_OF.fullmatch(message):
        return f"应为 {found['choices'].replace(', ', '、')} 之一（此次为 {found['given']}）"
    if kind in ("literal_error", "enum") and "expected" in context:
        return f"应为 {context['expected']} 之一"
    return message
