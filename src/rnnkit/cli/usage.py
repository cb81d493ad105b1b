"""Usage mistakes in one line: a misspelt command or option gets the closest names first, and only the close
ones (`rnnkit.errors.did_you_mean`), where click sorts its suggestions alphabetically ('--epoch': '--epochs',
'--nproc'); `usage_line` words a usage error of either click: the one `rnnkit train TASK` and
`rnnkit predict RUN` are built with, or the one typer carries inside it.

One help style: every page in click's plain layout, the layout of `rnnkit train TASK --help`. `GROUP`
builds the command groups (`rnnkit`, `rnnkit datasets`) with typer's boxed panels off, and their
commands are `Command`s, which write `RUN` where typer writes `{RUN}` and `<path>`."""
from __future__ import annotations

from typer.core import TyperCommand, TyperGroup

from rnnkit.errors import UserError, did_you_mean


class Commands(TyperGroup):
    """A command group whose unknown command ends with one line: the closest commands, or where to look."""

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            hint = did_you_mean(name, self.list_commands(ctx)) or f"; see {ctx.command_path} --help"
            raise UserError(f"{ctx.command_path}: no such command {name!r}{hint}")
        return super().resolve_command(ctx, args)


class Command(TyperCommand):
    """A typer command whose help reads as click's: `Usage: rnnkit evaluate [OPTIONS] RUN`, and its
    arguments listed by name and help, without typer's type tags (`RUN <path>`)."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [piece.strip("{}") for piece in super().collect_usage_pieces(ctx)]

    def format_options(self, ctx, formatter) -> None:
        params = self.get_params(ctx)
        arguments = [(p.metavar or p.name.upper(), p.help) for p in params
                     if p.param_type_name == "argument" and p.help]
        options = [p.get_help_record(ctx) for p in params if p.param_type_name == "option"]
        for title, rows in (("Arguments", arguments), ("Options", [row for row in options if row])):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def usage_line(err) -> str:
    """A click (or typer) usage error as one line: where, what, and the closest names or where to look."""
    ctx = getattr(err, "ctx", None)
    where = f"{ctx.command_path}: " if ctx is not None else ""
    see = f"; see {ctx.command_path} --help" if ctx is not None else ""
    name = getattr(err, "option_name", None)
    if name and hasattr(err, "possibilities"):  # NoSuchOption: its possibilities are close, not ranked
        return f"{where}no such option {name!r}{did_you_mean(name, err.possibilities or ()) or see}"
    return f"{where}{' '.join(err.format_message().split()).rstrip('.')}{see}"


GROUP = {"cls": Commands, "rich_markup_mode": None, "context_settings": {"max_content_width": 110}}
"""The settings of every `typer.Typer` command group of rnnkit (its commands: `@app.command(cls=Command)`)."""
