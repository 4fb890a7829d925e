"""What a plan is made of: for each setting, typed items (a `Mark` each: added, made
stricter, loosened as the release needs, kept, the repository's own, blocked, not offered,
unreadable) and the calls that make it. Nothing is removed or weakened without --prune."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from hardened_release.settings.state import State, Unreadable

Json = dict[str, Any]


class Mark(enum.Enum):
    """What the plan does with one control of a setting; the value is its sign in the plan."""

    ADD = "+"  # added
    CHANGE = "~"  # made stricter
    LOOSEN = "<"  # loosened, as the release needs it (the text says why)
    KEEP = "="  # already as recommended
    EXTRA = "!"  # the repository's own, beyond the release's needs: kept unless --prune
    REMOVE = "-"  # removed (--prune)
    BLOCKED = "x"  # not set until something else changes first (the text says what)
    NOT_OFFERED = "?"  # not offered on this repository's plan
    UNREADABLE = "E"  # GitHub did not show it
    NOTE = "i"  # not a control: what else the setting touches (a workflow it would stop)

    @property
    def changes(self) -> bool:
        return self in (Mark.ADD, Mark.CHANGE, Mark.LOOSEN, Mark.REMOVE)


@dataclass(frozen=True)
class Item:
    mark: Mark
    text: str
    detail: tuple[str, ...] = ()  # lines under it: the files or jobs it is about


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Json | None = None


@dataclass
class Setting:
    """One setting: its items, the calls that apply it, and the calls that restore what was
    read when one of its later calls is refused (all or nothing)."""

    name: str
    items: list[Item] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    restore: list[Call] = field(default_factory=list)

    def add(self, mark: Mark, text: str, detail: list[str] | tuple[str, ...] = ()) -> None:
        self.items.append(Item(mark, text, tuple(detail)))

    @property
    def changes(self) -> bool:
        return any(item.mark.changes for item in self.items)


@dataclass(frozen=True)
class Options:
    prune: bool = False
    signed_commits: bool = False


def keep_or_prune(setting: Setting, options: Options, text: str, why: str = "") -> bool:
    """Something the repository has beyond the release's needs: removed with --prune (True),
    otherwise kept and shown as what --prune would remove (False)."""
    if options.prune:
        setting.add(Mark.REMOVE, text + why)
        return True
    setting.add(Mark.EXTRA, text + why)
    return False


def mark(now: Any, wanted: Any) -> Mark:
    return (
        Mark.KEEP if now == wanted else (Mark.ADD if now in (None, False, 0, []) else Mark.CHANGE)
    )


def unreadable(setting: Setting, found: Unreadable, state: State) -> Setting:
    """A setting GitHub did not show: marked so, with GitHub's words and what may be why."""
    said = found.error
    if found.status in (403, 404) and state.repository.admin is False:
        said += " (only administrators may read it)"
    elif found.status in (403, 404) and state.repository.private:
        said += " (a private repository may need a paid plan for it)"
    setting.add(Mark.UNREADABLE, f"could not be read: {said}")
    return setting
