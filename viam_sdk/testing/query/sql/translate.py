"""Viam's SQL dialect (MongoDB Atlas SQL, "MongoSQL") translated into SQLite.

Why this engine: the readings already live in SQLite, so a translated query
runs where the rows are, with no copy for a file-backed emulator (a read-only
connection and a view scoped to the organization), and SQLite's JSON
functions reach into the nested ``data`` documents whatever their shape.
DuckDB was the other candidate: its struct access is native, but it would get
the rows only by a copy on every query (its SQLite reader is a separately
downloaded extension), and readings of different shapes make poor structs.
sqlglot (pure Python, widely used) parses the query; this module checks it
against what Atlas SQL accepts and rewrites the document-shaped parts.

What is translated (see the README, "Queries in the emulator"):

* dot paths into the document columns in every clause:
  ``data.readings.celsius`` -> ``json_extract(data, '$."readings"."celsius"')``,
  array elements with ``[n]``; the ``readings.`` / table-alias qualifier is
  optional; identifiers may be quoted with backticks or double quotes;
  strings use single quotes, ``''`` for a quote inside one;
* ``CAST('2024-01-01T00:00:00Z' AS TIMESTAMP)`` (and ``TIMESTAMP '...'``) for
  comparisons with ``time_received`` / ``time_requested``; ``EXTRACT(YEAR FROM
  time_received)`` and the other date parts;
* the result keys: a column or path keeps its last name (``celsius``), an
  alias its alias, any other unaliased expression is ``_1``, ``_2``, ... by
  position, as Atlas SQL names them;
* ``FROM UNWIND(readings WITH PATH => data.readings.values[, INDEX => i][, OUTER => true])``
  and ``FROM FLATTEN(readings[ WITH DEPTH => n, SEPARATOR => '_'])``.

Refused with :class:`SQLRefused` naming the construct (the service answers
INVALID_ARGUMENT): anything but a read (INSERT, UPDATE, DELETE, CREATE, DROP,
ALTER, PRAGMA, ATTACH, ...), more than one statement, tables other than
``readings`` / ``sensorData.readings`` (and the query's own CTEs), the DATE
type, INTERVAL arithmetic, and everything that is not on the allow-list of
Atlas SQL below: a function is allowed by what it is, not by how it is
spelled, so quoting (``"randomblob"(8)``) or nesting does not get a SQLite
function through, and a syntax node (``GLOB``, ``REGEXP``, ``COLLATE``,
``x IN table``, bind parameters, ``VALUES``, ...) that Atlas SQL lacks is
refused by name.  The runner's SQLite authorizer checks the translated query
again (only the functions a translation uses, only ``readings``).

Limits: a query text of at most ``MAX_SQL_CHARS`` characters and at most
``MAX_SOURCES`` FLATTEN/UNWIND sources; every scan of the text is linear in
its length, and the parser looks at the query's budget (time, cancellation)
as it reads tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp, parser, tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.sqlite import SQLite
from sqlglot.errors import ParseError, SqlglotError

from ..budget import tick
from .schema import COLUMNS, JSON_COLUMNS, Source, SQLRefused, iso_text

__all__ = ["MAX_SOURCES", "MAX_SQL_CHARS", "Translation", "flatten_columns", "source_sql", "translate"]

#: The longest query text taken, in characters (longer: INVALID_ARGUMENT before any parsing).
MAX_SQL_CHARS = 100_000
#: The most FLATTEN/UNWIND sources one query may use.
MAX_SOURCES = 16


class _Atlas(Dialect):
    """Atlas SQL's lexical rules: `ident` and "ident" are identifiers, 'text' is a string."""

    class Tokenizer(tokens.Tokenizer):
        IDENTIFIERS = ['"', "`"]
        QUOTES = ["'"]

    class Parser(parser.Parser):
        def _advance(self, times: int = 1) -> None:
            tick("SQL")  # the query's deadline and cancellation, looked at as tokens are read
            super()._advance(times)


class _SQLiteOut(SQLite):
    """SQLite as the translation writes it: identifiers in backticks.

    SQLite reads an unknown double-quoted identifier as a string (its
    "double-quoted string literal" fallback), so ``SELECT "nosuch"`` would
    answer the text 'nosuch'; a backticked one is always a name, so an unknown
    column is an error that names it.
    """

    class Tokenizer(SQLite.Tokenizer):
        IDENTIFIERS = ["`"]


# -- the allow-list of Atlas SQL -----------------------------------------------------------
# Functions by the parser's node class (whatever spelling or quoting the query used).
_ATLAS_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.Count: "COUNT",
    exp.Sum: "SUM",
    exp.Avg: "AVG",
    exp.Min: "MIN",
    exp.Max: "MAX",
    exp.First: "FIRST",
    exp.Last: "LAST",
    exp.StddevPop: "STDDEV_POP",
    exp.StddevSamp: "STDDEV_SAMP",
    exp.Nullif: "NULLIF",
    exp.Coalesce: "COALESCE",
    exp.Abs: "ABS",
    exp.Ceil: "CEIL",
    exp.Floor: "FLOOR",
    exp.Cos: "COS",
    exp.Sin: "SIN",
    exp.Tan: "TAN",
    exp.Degrees: "DEGREES",
    exp.Radians: "RADIANS",
    exp.Log: "LOG",
    exp.Ln: "LN",
    exp.Pow: "POW",
    exp.Round: "ROUND",
    exp.Sqrt: "SQRT",
    exp.Length: "CHAR_LENGTH",
    exp.StrPosition: "POSITION",
    exp.Substring: "SUBSTRING",
    exp.Upper: "UPPER",
    exp.Lower: "LOWER",
    exp.Trim: "TRIM",
    exp.CurrentTimestamp: "CURRENT_TIMESTAMP",
    exp.Extract: "EXTRACT",
    exp.Cast: "CAST",
    exp.Case: "CASE",
}
# Functions the parser does not know (exp.Anonymous), by name, case-insensitively.
_ATLAS_NAMED = frozenset(
    {
        "ADD_TO_ARRAY",
        "ADD_TO_SET",
        "MERGE_DOCUMENTS",
        "SIZE",
        "_VIAM_DATEADD",
        "_VIAM_DATEDIFF",
        "_VIAM_DATETRUNC",
    }
)
# Syntax that is not a function: the statement, its clauses and operators.
_ATLAS_SYNTAX: tuple[type[exp.Expression], ...] = (
    exp.Select,
    exp.Union,
    exp.Except,
    exp.Intersect,
    exp.Subquery,
    exp.With,
    exp.CTE,
    exp.TableAlias,
    exp.From,
    exp.Join,
    exp.Table,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Distinct,
    exp.Alias,
    exp.Column,
    exp.Identifier,
    exp.Star,
    exp.Dot,
    exp.Bracket,
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.DataType,
    exp.Paren,
    exp.Tuple,
    exp.Array,
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Exists,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.DPipe,
    exp.If,  # only as a WHEN branch of CASE (checked in _check_function)
    exp.Var,  # EXTRACT's and DATEADD's date part
)
# What a node is called in a refusal (the parser's class names are not the user's words).
_SYNTAX_NAMES = {
    "Glob": "GLOB",
    "RegexpLike": "REGEXP",
    "Collate": "COLLATE",
    "Placeholder": "a bind parameter",
    "Parameter": "a bind parameter",
    "Values": "VALUES",
    "Window": "a window function (OVER)",
    "Lateral": "LATERAL",
    "Unnest": "UNNEST",
    "Escape": "ESCAPE",
    "Interval": "INTERVAL",
    "HexString": "a blob literal (x'...')",
    "ByteString": "a blob literal",
}
# What the translation itself writes, which the SQLite authorizer lets through (lower case).
SQLITE_FUNCTIONS = frozenset(
    {
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "first",
        "last",
        "stddev_pop",
        "stddev_samp",
        "nullif",
        "coalesce",
        "abs",
        "ceil",
        "ceiling",
        "floor",
        "cos",
        "sin",
        "tan",
        "degrees",
        "radians",
        "log",
        "ln",
        "log10",
        "pow",
        "power",
        "round",
        "sqrt",
        "length",
        "instr",
        "substr",
        "substring",
        "upper",
        "lower",
        "trim",
        "ltrim",
        "rtrim",
        "like",
        "strftime",
        "json_extract",
        "json_quote",
        "json_group_array",
        "json_array_length",
        "json_each",
        "json_tree",
        "json_set",
        "json_type",
        "_viam_iso",
        "_viam_ts",
        "_viam_now",
        "_viam_dateadd",
        "_viam_datediff",
        "_viam_datetrunc",
        "_viam_merge_documents",
    }
)

_DATE_PARTS = {
    "YEAR": "%Y",
    "MONTH": "%m",
    "DAY": "%d",
    "HOUR": "%H",
    "MINUTE": "%M",
    "SECOND": "%S",
    "WEEK": "%W",
    "DOY": "%j",
    "DAYOFYEAR": "%j",
}


@dataclass
class Translation:
    """A query in SQLite's words, with what the runner must know to decode the results."""

    sql: str
    json_outputs: set[str]
    sources: list[Source]
    renamed: dict[str, str]  # output name -> the plain column it shows (SELECT col AS name)


def translate(query: str) -> Translation:
    """Check ``query`` against Atlas SQL's rules and rewrite it for the ``readings`` view.

    Raises:
        SQLRefused: a construct the cloud refuses, a syntax error, or more than one statement.
    """
    try:
        return _translate(query)
    except SqlglotError as exc:
        raise SQLRefused(_syntax_error(exc, query)) from None
    except RecursionError:
        raise SQLRefused("the SQL query is nested too deeply") from None


def _translate(query: str) -> Translation:
    if len(query) > MAX_SQL_CHARS:
        raise SQLRefused(
            f"the SQL query is {len(query):,} characters long, over the limit of {MAX_SQL_CHARS:,}: "
            "shorten it (e.g. filter with fewer literal values)"
        )
    if not query.strip():
        raise SQLRefused("the SQL query is empty")
    _refuse_writes(query)
    _refuse_other_starts(query)
    text, sources = _extract_sources(query)
    text = _rename_date_functions(text)
    try:
        statements = [s for s in sqlglot.parse(text, read=_Atlas) if s is not None]
    except SqlglotError as exc:
        raise SQLRefused(_syntax_error(exc, text)) from None
    if len(statements) != 1:
        raise SQLRefused(f"one statement per query, got {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise SQLRefused(f"SQL syntax error: expected a SELECT query, got {query.strip()[:60]!r}")
    source_names = {s.name for s in sources}
    _check(tree, source_names)
    json_outputs: set[str] = set()
    renamed: dict[str, str] = {}
    tree = _rewrite(tree, source_names, json_outputs, renamed)
    return Translation(tree.sql(dialect=_SQLiteOut), json_outputs, sources, renamed)


_WRITES = frozenset(
    "INSERT UPDATE DELETE MERGE REPLACE UPSERT CREATE DROP ALTER TRUNCATE RENAME ATTACH DETACH PRAGMA "
    "VACUUM REINDEX ANALYZE BEGIN COMMIT ROLLBACK SAVEPOINT RELEASE GRANT REVOKE SET USE CALL EXEC "
    "EXECUTE COPY LOAD".split()
)


_DATE_FUNCTIONS = re.compile(r"\b(DATEADD|DATEDIFF|DATETRUNC)\s*\(", re.IGNORECASE)
# Atlas SQL aggregates that give documents or arrays, and what stands in for them in SQLite.
_DOCUMENT_AGGREGATES = {"ADD_TO_ARRAY": "json_group_array", "ADD_TO_SET": "json_group_array"}


def _rename_date_functions(text: str) -> str:
    """DATEADD/DATEDIFF/DATETRUNC as plain function calls (sqlglot reads them in other dialects' ways)."""
    blank = _blank_strings(text)
    out, last = [], 0
    for match in _DATE_FUNCTIONS.finditer(blank):
        out.append(text[last : match.start()])
        out.append(f"_VIAM_{match.group(1).upper()}(")
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _function_name(node: Any) -> str:
    return str(node.this).upper() if isinstance(node, exp.Anonymous) else ""


def _statement_words(blank: str) -> list[tuple[str, int]]:
    """The first word of each statement and where it starts, skipping comments: one pass, linear.

    ``blank`` is the query with its quoted strings blanked (``_blank_strings``).
    """
    found: list[tuple[str, int]] = []
    index, size, expecting = 0, len(blank), True
    while index < size:
        char = blank[index]
        if blank.startswith("--", index):
            end = blank.find("\n", index)
            index = size if end < 0 else end + 1
        elif blank.startswith("/*", index):
            end = blank.find("*/", index + 2)
            index = size if end < 0 else end + 2
        elif char == ";":
            expecting = True
            index += 1
        elif char.isspace():
            index += 1
        elif expecting and char.isascii() and char.isalpha():
            end = index
            while end < size and blank[end].isascii() and blank[end].isalpha():
                end += 1
            found.append((blank[index:end], index))
            expecting = False
            index = end
        else:
            expecting = False
            index += 1
    return found


def _refuse_writes(query: str) -> None:
    """Name the first statement that is not a read: the SQL interface is read-only."""
    for word, _ in _statement_words(_blank_strings(query)):
        if word.upper() in _WRITES:
            raise SQLRefused(
                f"{word.upper()} is not allowed: the SQL interface is read-only (SELECT queries only)"
            )


# -- syntax errors, in the words of the query ---------------------------------------------

_KEYWORDS = ("SELECT", "FROM", "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNWIND", "FLATTEN")


def _did_you_mean(query: str) -> str:
    """A hint when a word of the query is a near miss of a keyword: `` (did you mean FROM for 'FORM'?)``."""
    import difflib

    for match in re.finditer(r"[A-Za-z]{4,}", _blank_strings(query)):
        word = match.group().upper()
        if word in _KEYWORDS:
            continue
        close = difflib.get_close_matches(word, _KEYWORDS, n=1, cutoff=0.75)
        if close:
            return f" (did you mean {close[0]} for {match.group()!r}?)"
    return ""


def _refuse_other_starts(query: str) -> None:
    """A query is a SELECT (or WITH ... SELECT): say so where another word starts it."""
    words = _statement_words(_blank_strings(query))
    if not words or words[0][0].upper() in ("SELECT", "WITH"):
        return
    first, offset = words[0]
    line = query.count("\n", 0, offset) + 1
    column = offset - (query.rfind("\n", 0, offset) + 1) + 1
    raise SQLRefused(
        f"SQL syntax error at line {line}, column {column}, near {first!r}: "
        f"a query starts with SELECT (or WITH){_did_you_mean(query)}"
    )


def _syntax_error(exc: SqlglotError, text: str) -> str:
    """The parser's complaint said as where it is (line, column, the word there) and what is wrong.

    sqlglot's own descriptions name its classes ("Required keyword: 'this'
    missing for <class 'sqlglot.expressions.query.Where'>"); none of that
    reaches the message.
    """
    if isinstance(exc, ParseError) and exc.errors:
        first = exc.errors[0]
        line, end = int(first.get("line") or 1), int(first.get("col") or 1)
        token = str(first.get("highlight") or "")
        column = max(1, end - len(token) + 1)
        # Date functions were renamed for the parser (_VIAM_DATEADD): count the user's characters.
        lines = text.splitlines() or [""]
        column -= len("_VIAM_") * lines[min(line, len(lines)) - 1][: column - 1].count("_VIAM_")
        shown = token.replace("_VIAM_", "")
        description = str(first.get("description") or "")
        expecting = re.match(r"Expecting (.+)", description)
        if description.startswith("Required keyword"):
            what = "something is missing here (a value, a column or a condition)"
        elif expecting:
            what = f"expected {expecting.group(1)!r}"
        elif "Unexpected token" in description or "Invalid expression" in description:
            what = f"{shown!r} does not fit here"
        else:
            what = re.sub(r"\s*(for )?<class '[^']*'>", "", description)
        near = f", near {shown!r}" if shown else ""
        return f"SQL syntax error at line {line}, column {column}{near}: {what}{_did_you_mean(text)}"
    missing = re.match(r"Missing (.) from (\d+):(\d+)", str(exc.__cause__ or exc))
    if missing:
        quote, line, offset = missing.group(1), int(missing.group(2)), int(missing.group(3))
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        kind = "text" if quote == "'" else "name"
        return (
            f"SQL syntax error at line {line}, column {column}: "
            f"the quoted {kind} opened here with {quote} is not closed"
        )
    return "SQL syntax error: the query cannot be read (an unclosed comment or quote?)"


# -- checks --------------------------------------------------------------------------------


def _check(tree: Any, source_names: set[str]) -> None:
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        tick("SQL")
        if isinstance(node, (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Alter)):
            raise SQLRefused(f"{node.key.upper()} is not allowed: the SQL interface is read-only")
        if isinstance(node, (exp.Pragma, exp.Command, exp.Set, exp.Use, exp.Transaction)):
            raise SQLRefused(f"{node.key.upper()} is not allowed: the SQL interface is read-only")
        if isinstance(node, exp.Table):
            _check_table(node, ctes | source_names)
        elif isinstance(node, exp.DataType) and node.this in (
            exp.DataType.Type.DATE,
            exp.DataType.Type.DATE32,
            exp.DataType.Type.DATETIME,
        ):
            raise SQLRefused(
                f"the {node.this.value} type is not supported by Atlas SQL: use TIMESTAMP "
                "(for example CAST('2024-01-01T00:00:00Z' AS TIMESTAMP))"
            )
        elif isinstance(node, (exp.Interval,)):
            raise SQLRefused("INTERVAL arithmetic is not supported by Atlas SQL")
        elif isinstance(node, (exp.Date, exp.DateAdd, exp.DateSub, exp.TsOrDsToDate)):
            raise SQLRefused(f"the date function {node.sql()!r} is not supported by Atlas SQL")
        elif isinstance(node, exp.In) and node.args.get("field") is not None:
            raise SQLRefused(f"{_shown(node)!r}: IN takes a list of values or a subquery, not a table name")
        elif isinstance(node, _ATLAS_SYNTAX) and not isinstance(node, exp.If):
            continue
        elif isinstance(node, exp.Func):
            _check_function(node)
        elif not isinstance(node, _ATLAS_SYNTAX) and not isinstance(node, exp.Escape):
            what = _SYNTAX_NAMES.get(type(node).__name__, node.key.upper())
            raise SQLRefused(f"{what} is not part of Atlas SQL (in {_shown(node)!r})")


def _shown(node: Any) -> str:
    text = str(node.sql(dialect=_Atlas))
    return text if len(text) <= 80 else text[:77] + "..."


def _check_function(node: Any) -> None:
    """A function call is Atlas SQL by what it is: its node class, or its name when the parser has none."""
    if isinstance(node, exp.If):
        if isinstance(node.parent, exp.Case):
            return
        raise SQLRefused("IIF/IF is not part of Atlas SQL: use CASE WHEN ... THEN ... ELSE ... END")
    if isinstance(node, exp.Anonymous):
        name = str(node.name).upper()
        if name in _ATLAS_NAMED:
            return
    elif type(node) in _ATLAS_FUNCTIONS:
        return
    else:
        name = str(node.sql_name()).upper()
    hint = " (use dot paths such as data.readings.x for nested fields)" if name.startswith("JSON") else ""
    raise SQLRefused(
        f"the function {name} is not part of Atlas SQL{hint}; the functions this emulator runs: "
        f"{', '.join(sorted({*_ATLAS_FUNCTIONS.values(), *(n for n in _ATLAS_NAMED if not n.startswith('_'))}))}"
        ", DATEADD, DATEDIFF, DATETRUNC"
    )


def _check_table(node: exp.Table, known: set[str]) -> None:
    name = node.name
    db = node.args.get("db")
    catalog = node.args.get("catalog")
    if isinstance(node.this, exp.Func) or not isinstance(node.this, exp.Identifier):
        raise SQLRefused(f"the table function {node.this.sql()!r} is not supported (only FLATTEN and UNWIND)")
    if not db and not catalog and name in known:
        return
    if name != "readings" or catalog is not None or (db is not None and db.name != "sensorData"):
        raise SQLRefused(
            f"the table {node.sql()!r} cannot be queried: only 'readings' (or 'sensorData.readings') "
            "of the organization's own data"
        )


# -- rewriting -----------------------------------------------------------------------------


def _path(node: Any) -> list[str | int] | None:
    """The parts of a column reference, a dot chain or an indexed one; None for anything else."""
    if isinstance(node, exp.Column):
        parts: list[str | int] = [p.name for p in node.parts]
        return parts
    if isinstance(node, exp.Dot):
        left = _path(node.this)
        if left is None or not isinstance(node.expression, exp.Identifier):
            return None
        return [*left, node.expression.name]
    if isinstance(node, exp.Bracket):
        left = _path(node.this)
        indexes = node.expressions
        if left is None or len(indexes) != 1:
            return None
        index = indexes[0]
        if isinstance(index, exp.Literal) and not index.is_string and index.this.isdigit():
            return [*left, int(index.this)]
        if isinstance(index, exp.Literal) and index.is_string:
            return [*left, index.this]
        return None
    return None


def _json_path(parts: list[str | int]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += '."' + part.replace('"', '\\"') + '"'
    return out


def _inline_aliases(select: exp.Select) -> None:
    """ORDER BY / GROUP BY / HAVING naming an output alias use the aliased expression itself.

    The outputs that are document paths are encoded as JSON text for the
    runner; sorting and grouping must see the values, not that text.
    """
    aliases = {
        item.alias: item.this for item in select.expressions if isinstance(item, exp.Alias) and item.alias
    }
    if not aliases:
        return
    for clause in ("order", "group", "having"):
        node = select.args.get(clause)
        if node is None:
            continue
        for column in list(node.find_all(exp.Column)):
            if not column.table and column.name in aliases and _path(aliases[column.name]) is not None:
                column.replace(aliases[column.name].copy())


def _rewrite(tree: Any, source_names: set[str], json_outputs: set[str], renamed: dict[str, str]) -> Any:
    qualifiers = {"readings"} | source_names
    for table in tree.find_all(exp.Table):
        if table.alias:
            qualifiers.add(table.alias)

    def column_path(node: exp.Expression) -> tuple[str, list[str | int]] | None:
        parts = _path(node)
        if not parts or not isinstance(parts[0], str):
            return None
        if len(parts) > 1 and parts[0] in qualifiers and isinstance(parts[1], str):
            parts = parts[1:]
        head = parts[0]
        assert isinstance(head, str)
        if head in JSON_COLUMNS and len(parts) > 1:
            return head, parts[1:]
        if len(parts) == 1 or head in qualifiers:
            return head, []
        return None

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and isinstance(node.this, exp.Star):
            return node  # t.* stays as it is
        if isinstance(node, (exp.Column, exp.Dot, exp.Bracket)):
            found = column_path(node)
            if found is None:
                return node
            head, rest = found
            if not rest:
                return exp.column(head, quoted=True) if isinstance(node, exp.Column) else node
            return exp.Anonymous(
                this="json_extract",
                expressions=[exp.column(head, quoted=True), exp.Literal.string(_json_path(rest))],
            )
        if isinstance(node, exp.Cast) and node.to.this in (
            exp.DataType.Type.TIMESTAMP,
            exp.DataType.Type.TIMESTAMPTZ,
            exp.DataType.Type.TIMESTAMPLTZ,
        ):
            inner = node.this
            if isinstance(inner, exp.Literal) and inner.is_string:
                try:
                    return exp.Literal.string(iso_text(inner.this))
                except ValueError:
                    raise SQLRefused(f"{inner.this!r} is not a timestamp Atlas SQL can read") from None
            return exp.Anonymous(this="_viam_ts", expressions=[inner])
        if isinstance(node, exp.Extract):
            unit = node.this.name.upper()
            if unit not in _DATE_PARTS:
                raise SQLRefused(f"EXTRACT({unit} FROM ...) is not supported")
            return exp.Cast(
                this=exp.Anonymous(
                    this="strftime", expressions=[exp.Literal.string(_DATE_PARTS[unit]), node.expression]
                ),
                to=exp.DataType.build("INT"),
            )
        if isinstance(node, exp.CurrentTimestamp):
            return exp.Anonymous(this="_viam_now", expressions=[])
        name = _function_name(node)
        if name in ("_VIAM_DATEADD", "_VIAM_DATEDIFF", "_VIAM_DATETRUNC"):
            args = [node.expressions[0], *(a.transform(replace) for a in node.expressions[1:])]
            want = 3 if name != "_VIAM_DATETRUNC" else 2
            if len(args) != want or not isinstance(args[0], exp.Column):
                raise SQLRefused(
                    f"{name[6:]} takes a date part and {want - 1} more arguments, e.g. DATEADD(DAY, 1, t)"
                )
            unit = args[0].name.upper()
            if unit not in (
                "YEAR",
                "QUARTER",
                "MONTH",
                "WEEK",
                "DAY",
                "HOUR",
                "MINUTE",
                "SECOND",
                "MILLISECOND",
            ):
                raise SQLRefused(f"{name[6:]}: {unit} is not a date part")
            return exp.Anonymous(this=name.lower(), expressions=[exp.Literal.string(unit), *args[1:]])
        if name in _DOCUMENT_AGGREGATES:
            args = [a.transform(replace) for a in node.expressions]
            if name == "ADD_TO_SET":
                args = [exp.Distinct(expressions=args)]
            return exp.Anonymous(this=_DOCUMENT_AGGREGATES[name], expressions=args)
        if name == "MERGE_DOCUMENTS":
            return exp.Anonymous(
                this="_viam_merge_documents", expressions=[a.transform(replace) for a in node.expressions]
            )
        if name == "SIZE":
            return exp.Anonymous(
                this="json_array_length", expressions=[a.transform(replace) for a in node.expressions]
            )
        return node

    for table in tree.find_all(exp.Table):
        if table.args.get("db") is not None:
            table.set("db", None)  # sensorData.readings is the same table here

    # Name the outputs as Atlas SQL does before the paths are rewritten.
    for select in list(tree.find_all(exp.Select)):
        _inline_aliases(select)
        top = select is tree or (isinstance(tree, exp.SetOperation) and select.parent_select is None)
        new_expressions: list[Any] = []
        for position, item in enumerate(select.expressions, start=1):
            if isinstance(item, exp.Star) or (
                isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
            ):
                new_expressions.append(item)
                continue
            target = item.this if isinstance(item, exp.Alias) else item
            name = item.alias if isinstance(item, exp.Alias) else None
            found = column_path(target)
            if name is None:
                if found is not None:
                    last = ([found[0], *found[1]])[-1]
                    name = str(last)
                else:
                    name = f"_{position}"
            if found is not None and not found[1] and top:
                renamed[name] = found[0]
            if top and _function_name(target) in ("ADD_TO_ARRAY", "ADD_TO_SET", "MERGE_DOCUMENTS"):
                json_outputs.add(name)
            if found is not None and found[1] and top:
                json_outputs.add(name)
                rewritten = exp.Anonymous(this="json_quote", expressions=[target.copy()])
                new_expressions.append(exp.alias_(rewritten, name, quoted=True))
            else:
                new_expressions.append(exp.alias_(target.copy(), name, quoted=True))
        select.set("expressions", new_expressions)
    return tree.transform(replace, copy=False)


# -- FLATTEN and UNWIND ------------------------------------------------------------------------

_SOURCE_START = re.compile(r"\b(FLATTEN|UNWIND)\s*\(", re.IGNORECASE)


def _extract_sources(query: str) -> tuple[str, list[Source]]:
    """Replace each FLATTEN(...)/UNWIND(...) data source by a placeholder table name."""
    sources: list[Source] = []
    out = query
    while True:
        match = _SOURCE_START.search(_blank_strings(out))
        if match is None:
            return out, sources
        if len(sources) >= MAX_SOURCES:
            raise SQLRefused(f"a query may use at most {MAX_SOURCES} FLATTEN/UNWIND sources")
        start = match.start()
        end = _closing(out, match.end() - 1)
        source = _parse_source(out[start : end + 1], sources)
        out = out[:start] + source.name + out[end + 1 :]


def _blank_strings(text: str) -> str:
    """``text`` with the insides of quoted strings and identifiers blanked (positions kept)."""
    return re.sub(r"'(?:[^']|'')*'|\"[^\"]*\"|`[^`]*`", lambda m: " " * len(m.group(0)), text)


def _closing(text: str, open_at: int) -> int:
    depth = 0
    blank = _blank_strings(text)
    for index in range(open_at, len(text)):
        if blank[index] == "(":
            depth += 1
        elif blank[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    raise SQLRefused("SQL syntax error: an unclosed parenthesis in FLATTEN/UNWIND")


def _parse_source(text: str, sources: list[Source]) -> Source:
    kind = text[: text.index("(")].strip().lower()
    body = text[text.index("(") + 1 : -1]
    inner: Source | None = None
    nested = _SOURCE_START.match(body.strip())
    if nested:
        stripped = body.strip()
        end = _closing(stripped, nested.end() - 1)
        inner = _parse_source(stripped[: end + 1], sources)
        body = inner.name + stripped[end + 1 :]
    parts = re.split(r"\bWITH\b", body, maxsplit=1, flags=re.IGNORECASE)
    head = parts[0].strip()
    options_text = parts[1] if len(parts) > 1 else ""
    if head.strip('`"') not in ("readings", "sensorData.readings") and (inner is None or head != inner.name):
        raise SQLRefused(f"{kind.upper()} of {head!r}: only the readings table can be used")
    source = Source(name=f"__viam_src{len(sources)}", kind=kind, inner=inner)
    for option in filter(None, (o.strip() for o in _split_options(options_text))):
        key, arrow, value = option.partition("=>")
        if not arrow:
            raise SQLRefused(f"{kind.upper()} option {option!r} should be NAME => value")
        key = key.strip().upper()
        value = value.strip()
        if kind == "unwind" and key == "PATH":
            path = _path(sqlglot.parse_one(value, read=_Atlas))
            if not path or path[0] not in JSON_COLUMNS or len(path) < 2:
                raise SQLRefused(f"UNWIND PATH {value!r} must be a path into data, tags or method_parameters")
            source.path = path
        elif kind == "unwind" and key == "INDEX":
            source.index = value.strip('`"')
        elif kind == "unwind" and key == "OUTER":
            source.outer = value.lower() == "true"
        elif kind == "flatten" and key == "DEPTH":
            if not value.isdigit() or int(value) < 1:
                raise SQLRefused(f"FLATTEN DEPTH must be a positive whole number, not {value!r}")
            source.depth = int(value)
        elif kind == "flatten" and key == "SEPARATOR":
            if not (value.startswith("'") and value.endswith("'")):
                raise SQLRefused(f"FLATTEN SEPARATOR must be a string, not {value!r}")
            source.separator = value[1:-1].replace("''", "'")
        else:
            raise SQLRefused(f"{kind.upper()} has no option {key!r}")
    if kind == "unwind" and not source.path:
        raise SQLRefused(
            "UNWIND needs PATH => <array path>, e.g. UNWIND(readings WITH PATH => data.readings.v)"
        )
    sources.append(source)
    return source


def _split_options(text: str) -> list[str]:
    blank = _blank_strings(text)
    pieces, depth, start = [], 0, 0
    for index, char in enumerate(blank):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(text[start:index])
            start = index + 1
    pieces.append(text[start:])
    return pieces


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def source_sql(
    source: Source, base: str, flat_columns: dict[str, list[tuple[str, str, str]]] | None = None
) -> str:
    """The SQLite subquery that stands for ``source`` (``base`` is the table it reads).

    Names and paths come from the query and from the stored documents' keys, so
    every one is quoted here, never pasted in as it is.
    """
    inner = f"({source_sql(source.inner, base, flat_columns)})" if source.inner else base
    columns = ", ".join(f"src.{_ident(c)}" for c in COLUMNS if c not in JSON_COLUMNS)
    carried = ""  # an inner UNWIND's index column goes on through
    if source.inner is not None and source.inner.kind == "unwind" and source.inner.index:
        carried = f", src.{_ident(source.inner.index)}"
    if source.kind == "unwind":
        head, rest = str(source.path[0]), source.path[1:]
        column, path = f"src.{_ident(head)}", _lit(_json_path(rest))
        join = "LEFT JOIN" if source.outer else "JOIN"
        others = ", ".join(f"src.{_ident(c)}" for c in COLUMNS if c in JSON_COLUMNS and c != head)
        index = f", CAST(j.key AS INTEGER) AS {_ident(source.index)}" if source.index else ""
        # The unwound array's element replaces the array inside its column.
        replaced = f"CASE WHEN j.key IS NULL THEN {column} ELSE json_set({column}, {path}, j.value) END"
        return (
            f"SELECT {columns}, {others}{carried}, {replaced} AS {_ident(head)}{index} FROM {inner} AS src "
            f"{join} json_each({column}, {path}) AS j ON json_type({column}, {path}) = 'array'"
        )
    flat = "".join(
        f", json_extract(src.{_ident(column)}, {_lit(path)}) AS {_ident(name)}"
        for column, path, name in (flat_columns or {}).get(source.name, [])
    )
    return f"SELECT {columns}, src.tags{carried}{flat} FROM {inner} AS src"


_KEY_PART = re.compile(r'\.("(?:[^"]|"")*"|[^.\[]+)')


def flatten_columns(conn: Any, base: str, source: Source) -> list[tuple[str, str, str, str]]:
    """The (column, JSON path, flat name, JSON type) of each column FLATTEN makes of the documents in ``base``.

    Nested documents are opened ``depth`` levels down (all levels by default);
    arrays and scalars become columns named by joining the path with the separator.
    """
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for column in ("method_parameters", "data"):
        rows = conn.execute(
            f'SELECT DISTINCT t.fullkey, t.type FROM {base} AS src, json_tree(src."{column}") AS t '
            "WHERE t.fullkey NOT LIKE '%[%' AND t.fullkey != '$'"
        )
        for fullkey, kind in rows:
            names = [n.strip('"').replace('""', '"') for n in _KEY_PART.findall(fullkey)]
            level = len(names)
            if source.depth is not None and level > source.depth:
                continue
            if kind == "object" and (source.depth is None or level < source.depth):
                continue
            found[(column, fullkey)] = (source.separator.join([column, *names]), kind)
    return [(c, path, name, kind) for (c, path), (name, kind) in sorted(found.items(), key=lambda kv: kv[1])]
